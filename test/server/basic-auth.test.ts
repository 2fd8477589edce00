// A wrong-password flood stalls scrapes: bcrypt off the event loop, a bounded queue that answers
// busy beyond it, and the same work for every attempt whoever it names. Speeds are measured by
// `npm run bench:auth-flood`, not here: these tests check order and counts.
import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { BasicAuth, BasicAuthState } from '../../src/server/basic-auth.js';

const header = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('A wrong-password flood stalls scrapes', () => {
  it('keeps the event loop free while checks run, answers a cached scraper at once, and busy beyond the queue', async () => {
    const state = new BasicAuthState();
    const auth = await BasicAuth.create(new Map([['prometheus', bcrypt.hashSync('right', 8)]]), state);
    expect(await auth.verify(header('prometheus', 'right'))).toBe('ok'); // now cached
    const capacity = BasicAuthState.BCRYPT_PARALLEL + BasicAuthState.MAX_WAITING;
    const order: string[] = [];
    const flood = Array.from({ length: capacity + 5 }, () => auth.verify(header('prometheus', 'wrong')).then((r) => {
      order.push(r);
      return r;
    }));
    // timers fire while the flood is checked: the checks are not on this thread
    let ticks = 0;
    const ticker = setInterval(() => { ticks += 1; }, 1);
    const scrape = await auth.verify(header('prometheus', 'right'));
    order.push(`scrape:${scrape}`);
    const results = await Promise.all(flood);
    clearInterval(ticker);
    expect(results.filter((r) => r === 'busy')).toHaveLength(5);
    expect(results.filter((r) => r === 'unauthorized')).toHaveLength(capacity);
    // the five beyond the queue are refused, and the cached scrape answered, before any check ends
    expect([...order.slice(0, 6)].sort()).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'scrape:ok']);
    expect(ticks).toBeGreaterThan(5);
  });

  it('costs every attempt the work of one check at the highest cost, whoever it names', async () => {
    const state = new BasicAuthState();
    const cheap = bcrypt.hashSync('right', 4);
    const dear = bcrypt.hashSync('right', 6);
    const auth = await BasicAuth.create(new Map([['cheap', cheap], ['dear', dear]]), state);
    // the cost-4 user is padded with checks of cost 4 and 5: 2^4 + 2^4 + 2^5 = 2^6
    expect((auth as unknown as { paddingFor(hash: string): string[] }).paddingFor(cheap).map((h) => h.slice(0, 7)))
      .toEqual(['$2b$04$', '$2b$05$']);
    expect((auth as unknown as { paddingFor(hash: string): string[] }).paddingFor(dear)).toEqual([]);
    expect(await auth.verify(header('cheap', 'right'))).toBe('ok');
    expect(await auth.verify(header('dear', 'wrong'))).toBe('unauthorized');
    expect(await auth.verify(header('nobody', 'right'))).toBe('unauthorized');
  });

  it('reads $2y$ hashes (htpasswd -B) like $2b$', async () => {
    const hash = bcrypt.hashSync('right', 4).replace(/^\$2b\$/, '$2y$');
    const auth = await BasicAuth.create(new Map([['u', hash]]), new BasicAuthState());
    expect(await auth.verify(header('u', 'right'))).toBe('ok');
    expect(await auth.verify(header('u', 'wrong'))).toBe('unauthorized');
  });
});
