import { describe, expect, it } from '@jest/globals';
import type { HtapProcess } from '../../src/cloud/taurusdb.js';
import { longerFirst, TopSessions, type TopSession } from '../../src/collectors/top-sessions.js';
import { rng } from '../../src/simulator/fleet.js';

function process(i: number, durationSeconds: number, sql = `SELECT ${i}`): HtapProcess {
  return { id: String(i), user: `u${i}`, host: `10.0.0.${i % 250}:3306`, state: 'OK', database: 'db', command: 'Query', durationSeconds, sql };
}

const cut = (p: HtapProcess, chars: number): TopSession => ({
  id: p.id, user: p.user, host: p.host, database: p.database, command: p.command, state: p.state, durationSeconds: p.durationSeconds ?? -1,
  sql: p.sql.slice(0, chars), sqlCut: p.sql.length > chars,
});

describe('TopSessions', () => {
  it.each([1, 3, 10, 99, 100, 101, 500])('keeps exactly what a sort of the whole list keeps, N = %i', (n) => {
    const random = rng(n);
    // few distinct durations, so ties are common and the id must decide
    const all = Array.from({ length: 400 }, (_, i) => process(i, Math.floor(random() * 50)));
    const top = new TopSessions(n, 1000);
    for (const p of all) top.offer(p);
    const oracle = all.map((p) => cut(p, 1000)).sort(longerFirst).slice(0, n);
    expect(top.sessions()).toEqual(oracle);
  });

  it('cuts the SQL text to the limit without splitting a surrogate pair, and says so', () => {
    const top = new TopSessions(3, 5);
    top.offer(process(1, 30, 'SELECT 1'));
    top.offer(process(2, 20, 'abcd😀xyz'));
    top.offer(process(3, 10, 'short'));
    expect(top.sessions().map((s) => [s.sql, s.sqlCut])).toEqual([['SELEC', true], ['abcd', true], ['short', false]]);
  });

  it('leaves out a session without a usable duration', () => {
    const top = new TopSessions(2, 10);
    top.offer({ ...process(1, 0), durationSeconds: undefined });
    top.offer(process(2, 5));
    expect(top.sessions().map((s) => s.id)).toEqual(['2']);
  });
});
