import { describe, expect, it } from '@jest/globals';
import { HtapInventory } from '../../src/collectors/htap-inventory.js';
import { FakeProjectApi, serverError, signal, taurusTargets } from './fake-project-api.js';

const T1 = '18c3eeb7b788479eb8b93b209946a83bin07';
const HTAP_PATH = `instances/${T1}/htap`;

function answer(...ids: string[]): Record<string, unknown> {
  return { total: ids.length, max_htap_instance_num_of_taurus: 10, instances: ids.map((id) => ({ id, engine_name: 'star-rocks' })) };
}

function setup(): { fake: FakeProjectApi; inventory: HtapInventory; target: ReturnType<typeof taurusTargets>[number] } {
  const fake = new FakeProjectApi().on(HTAP_PATH, answer('000000000000000000000000000000h1in17'));
  const [target] = taurusTargets(fake, [T1]);
  if (!target) throw new Error('no target');
  return { fake, inventory: new HtapInventory(), target };
}

const ids = (list: { instances: Array<{ id: string }> }): string[] => list.instances.map((h) => h.id);

describe('HtapInventory', () => {
  it('fetches once for concurrent first readers and a concurrent refresh (single flight)', async () => {
    const { fake, inventory, target } = setup();
    const lists = await Promise.all([inventory.get(target, signal), inventory.get(target, signal), inventory.refresh(target, signal)]);
    expect(lists.map(ids)).toEqual([['000000000000000000000000000000h1in17'], ['000000000000000000000000000000h1in17'], ['000000000000000000000000000000h1in17']]);
    expect(fake.calls).toHaveLength(1);
  });

  it('serves get from the remembered answer, and refresh replaces it whole', async () => {
    const { fake, inventory, target } = setup();
    await inventory.refresh(target, signal);
    fake.on(HTAP_PATH, answer('000000000000000000000000000000h2in17'));
    expect(ids(await inventory.get(target, signal))).toEqual(['000000000000000000000000000000h1in17']);
    expect(fake.calls).toHaveLength(1);
    await inventory.refresh(target, signal);
    expect(ids(await inventory.get(target, signal))).toEqual(['000000000000000000000000000000h2in17']);
    expect(fake.calls).toHaveLength(2);
  });

  it('keeps the previous answer when a refresh fails', async () => {
    const { fake, inventory, target } = setup();
    await inventory.refresh(target, signal);
    fake.on(HTAP_PATH, () => { throw serverError('taurusdb_htap'); });
    await expect(inventory.refresh(target, signal)).rejects.toThrow('HTTP 500');
    expect(ids(await inventory.get(target, signal))).toEqual(['000000000000000000000000000000h1in17']);
  });

  it('lets a failed first fetch be retried by the next reader', async () => {
    const { fake, inventory, target } = setup();
    fake.on(HTAP_PATH, () => { throw serverError('taurusdb_htap'); });
    await expect(inventory.get(target, signal)).rejects.toThrow('HTTP 500');
    fake.on(HTAP_PATH, answer('000000000000000000000000000000h1in17'));
    expect(ids(await inventory.get(target, signal))).toEqual(['000000000000000000000000000000h1in17']);
    expect(fake.calls).toHaveLength(2);
  });

  it('forgets TaurusDB instances that are no longer retained', async () => {
    const { fake, inventory, target } = setup();
    await inventory.refresh(target, signal);
    inventory.retain([T1]);
    await inventory.get(target, signal);
    expect(fake.calls).toHaveLength(1);
    inventory.retain([]);
    await inventory.get(target, signal);
    expect(fake.calls).toHaveLength(2);
  });
});

describe('Duplicate series: an HTAP id listed under two TaurusDB instances', () => {
  it('belongs to the TaurusDB instance that listed it first; the other listing is refused and counted; invalid ids never enter', async () => {
    const T2 = '28c3eeb7b788479eb8b93b209946a83bin07';
    const shared = '0000000000000000000000000shared0in17';
    const own = '0000000000000000000000000000own0in17';
    const fake = new FakeProjectApi()
      .on(HTAP_PATH, answer(shared))
      .on(`instances/${T2}/htap`, answer(shared, own, own, '..', 'a/b'));
    const refused: Array<[string, string]> = [];
    const inventory = new HtapInventory((reason, id) => refused.push([reason, id]));
    const [first, second] = taurusTargets(fake, [T1, T2]);
    if (!first || !second) throw new Error('no targets');
    expect(ids(await inventory.refresh(first, signal))).toEqual([shared]);
    expect(ids(await inventory.refresh(second, signal))).toEqual([own]);
    // (the answer reader already drops a repeated id within one answer)
    expect(refused).toEqual([['conflict', shared], ['invalid', '..'], ['invalid', 'a/b']]);
    // once the first no longer lists it, the other may have it
    fake.on(HTAP_PATH, answer());
    await inventory.refresh(first, signal);
    expect(ids(await inventory.refresh(second, signal))).toEqual([shared, own]);
  });
});
