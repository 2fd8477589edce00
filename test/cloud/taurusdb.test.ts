import { describe, expect, it } from '@jest/globals';
import { BadResponseError } from '../../src/cloud/errors.js';
import { TaurusDbApi, type HtapProcess } from '../../src/cloud/taurusdb.js';
import { FakeProjectApi, PROJECT_ID, pagedProcesses, signal } from '../collectors/fake-project-api.js';

const TAURUS = '18c3eeb7b788479eb8b93b209946a83bin07';
const HTAP = '5fbd54b94f0f4adbb17f728f581d247ein17';
const PROCESS = `instances/${HTAP}/htap/process`;

/** The seed's example answer of `/htap`, trimmed of fields the exporter ignores. */
function seedHtapAnswer(): Record<string, unknown> {
  return {
    total: 2,
    instances: [
      {
        id: '5fbd54b94f0f4adbb17f728f581d247ein17', name: 'htap-1f05', engine_name: 'star-rocks', engine_version: '3.1.11',
        project_id: '23a50154cf494ec9ad6883979a12db0a',
        instance_state: { instance_status: 'normal', create_fail_error_code: null, fail_message: null, wait_restart_for_params: false },
        create_at: 1716364704475, is_frozen: false, ha_mode: 'Cluster', pay_model: '0', order_id: null, data_vip_v6: null,
        port: 3306, ch_master_node_id: null, node_num: 6,
      },
      {
        id: '914481def3574d5189baee926a26512din17', name: 'htap-5d98', engine_name: 'star-rocks', engine_version: '3.1.11',
        instance_state: { instance_status: 'normal', create_fail_error_code: '500000', fail_message: null, wait_restart_for_params: false },
        create_at: 1716344516418, is_frozen: false, ha_mode: 'Single', node_num: 2,
      },
    ],
    max_htap_instance_num_of_taurus: 10,
  };
}

function session(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: String(i), user: 'user', host: '10.0.0.1:5000', state: 'OK', database: 'sys', sql_statement: 'show full processlist', duration: 10, command: 'Query', ...extra };
}

async function allPages(api: TaurusDbApi, pageSize?: number, maxPages?: number): Promise<HtapProcess[][]> {
  const pages: HtapProcess[][] = [];
  for await (const page of api.processPages(HTAP, signal, pageSize, maxPages)) pages.push(page);
  return pages;
}

describe('TaurusDbApi.htapInstances', () => {
  it('parses the seed example', async () => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, seedHtapAnswer());
    const list = await new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    expect(list.total).toBe(2);
    expect(list.limit).toBe(10);
    expect(list.instances[0]).toEqual({
      id: '5fbd54b94f0f4adbb17f728f581d247ein17', name: 'htap-1f05', engineName: 'star-rocks', engineVersion: '3.1.11',
      status: 'normal', haMode: 'Cluster', nodeNum: 6, frozen: false, waitRestart: false, createdAtMs: 1716364704475,
    });
    expect(list.instances[1]?.id).toBe('914481def3574d5189baee926a26512din17');
    expect(fake.calls).toEqual([{ service: 'taurusdb', path: `/v3/${PROJECT_ID}/instances/${TAURUS}/htap`, api: 'taurusdb_htap', query: undefined }]);
  });

  it('tolerates nulls in every field but the id', async () => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, {
      total: 1, max_htap_instance_num_of_taurus: null,
      instances: [{ id: 'h1in17', name: null, engine_name: null, engine_version: null, instance_state: null, create_at: null, is_frozen: null, ha_mode: null, node_num: null }],
    });
    const list = await new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    expect(list).toEqual({ total: 1, limit: undefined, instances: [{ id: 'h1in17' }] });
    expect(Object.values(list.instances[0] ?? {}).filter((v) => v !== undefined)).toEqual(['h1in17']);
  });

  it.each([
    ['a missing id', { instances: [{ name: 'x' }], total: 1 }],
    ['a null id', { instances: [{ id: null }], total: 1 }],
    ['a repeated id', { instances: [{ id: 'h1in17' }, { id: 'h1in17' }], total: 2 }],
    ['a string is_frozen', { instances: [{ id: 'h1in17', is_frozen: 'false' }], total: 1 }],
    ['a numeric name', { instances: [{ id: 'h1in17', name: 7 }], total: 1 }],
    ['a non-numeric total', { instances: [], total: 'two' }],
    ['no instances array', { total: 0 }],
  ])('rejects %s', async (_name, body) => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, body);
    const answer = new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    await expect(answer).rejects.toBeInstanceOf(BadResponseError);
    await expect(answer).rejects.toMatchObject({ api: 'taurusdb_htap' });
  });
});

describe('TaurusDbApi.processPages', () => {
  it('pages 250 sessions as 100 + 100 + 50, with limit and offset as strings', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 250 }, (_, i) => session(i))));
    const pages = await allPages(new TaurusDbApi(fake));
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(fake.calls.map((c) => c.query)).toEqual([
      { limit: '100', offset: '0' }, { limit: '100', offset: '100' }, { limit: '100', offset: '200' },
    ]);
    expect(fake.calls.every((c) => c.api === 'taurusdb_htap_process' && c.service === 'taurusdb')).toBe(true);
  });

  it('asks for one more (empty) page when the list is an exact multiple of the page size', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 4 }, (_, i) => session(i))));
    expect((await allPages(new TaurusDbApi(fake), 2)).map((p) => p.length)).toEqual([2, 2, 0]);
    expect(fake.offsets(PROCESS)).toEqual(['0', '2', '4']);
  });

  it('reads every documented column; a numeric session id becomes a string, a missing SQL text empty', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1), session(2, { id: 7, sql_statement: null })]));
    expect(await allPages(new TaurusDbApi(fake))).toEqual([[
      { id: '1', user: 'user', host: '10.0.0.1:5000', state: 'OK', database: 'sys', command: 'Query', durationSeconds: 10, sql: 'show full processlist' },
      { id: '7', user: 'user', host: '10.0.0.1:5000', state: 'OK', database: 'sys', command: 'Query', durationSeconds: 10, sql: '' },
    ]]);
  });

  it('accepts a duration sent as a string', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { duration: '42' }), session(2, { duration: '0.5' })]));
    const [page] = await allPages(new TaurusDbApi(fake));
    expect(page?.map((p) => p.durationSeconds)).toEqual([42, 0.5]);
  });

  it.each([['-1', -1], ['"-1"', '-1'], ['"abc"', 'abc'], ['null', null], ['""', ''], ['"1e3"', '1e3'], ['"Infinity"', 'Infinity']])(
    'rejects duration %s', async (_name, duration) => {
      const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { duration })]));
      await expect(allPages(new TaurusDbApi(fake))).rejects.toThrow(BadResponseError);
    });

  it('treats null text columns as empty and rejects non-string ones', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { database: null, host: undefined })]));
    const [page] = await allPages(new TaurusDbApi(fake));
    expect(page?.[0]).toMatchObject({ database: '', host: '' });
    fake.on(PROCESS, pagedProcesses([session(1, { user: 5 })]));
    await expect(allPages(new TaurusDbApi(fake))).rejects.toThrow('process_list[].user');
  });

  it('fails with "page cap reached" when full pages go on past maxPages', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 250 }, (_, i) => session(i))));
    const pages: number[] = [];
    const run = async (): Promise<void> => {
      for await (const page of new TaurusDbApi(fake).processPages(HTAP, signal, 100, 2)) pages.push(page.length);
    };
    await expect(run()).rejects.toThrow('page cap reached');
    expect(pages).toEqual([100, 100]);
    expect(fake.offsets(PROCESS)).toEqual(['0', '100']);
  });

  it('fails with "repeating page" when the server ignores offset', async () => {
    let calls = 0;
    // Same sessions each time; durations tick on, which must not hide the repetition.
    const fake = new FakeProjectApi().on(PROCESS, () => {
      calls += 1;
      return { process_list: Array.from({ length: 100 }, (_, i) => session(i, { duration: calls })) };
    });
    await expect(allPages(new TaurusDbApi(fake))).rejects.toThrow('repeating page');
    expect(fake.offsets(PROCESS)).toEqual(['0', '100']);
  });

  it('accepts a null process_list as no sessions, but not a missing one', async () => {
    const fake = new FakeProjectApi().on(PROCESS, { process_list: null });
    expect(await allPages(new TaurusDbApi(fake))).toEqual([[]]);
    fake.on(PROCESS, {});
    await expect(allPages(new TaurusDbApi(fake))).rejects.toThrow(BadResponseError);
  });

  it('rejects a page longer than the limit asked for', async () => {
    const fake = new FakeProjectApi().on(PROCESS, { process_list: [session(1), session(2), session(3)] });
    await expect(allPages(new TaurusDbApi(fake), 2)).rejects.toThrow('exceeds limit');
  });

  it('refuses a page size the API does not allow', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([]));
    await expect(allPages(new TaurusDbApi(fake), 101)).rejects.toThrow(RangeError);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('TaurusDbApi.listInstances', () => {
  it('pages by total_count under its own api name', async () => {
    const all = Array.from({ length: 120 }, (_, i) => ({ id: `t${i}in07`, name: `t-${i}`, status: 'normal', port: '3306' }));
    const fake = new FakeProjectApi().on('instances', (query: Readonly<Record<string, string>>) => ({
      instances: all.slice(Number(query.offset), Number(query.offset) + 100), total_count: 120,
    }));
    const found = await new TaurusDbApi(fake).listInstances(signal);
    expect(found.map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(fake.calls.map((c) => [c.service, c.api, c.query?.offset])).toEqual([['taurusdb', 'taurusdb_instances', '0'], ['taurusdb', 'taurusdb_instances', '100']]);
  });
});
