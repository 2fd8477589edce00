import { describe, expect, it } from '@jest/globals';
import { BadResponseError } from '../../src/cloud/errors.js';
import { TaurusDbApi, type HtapProcess, type ProcessReading } from '../../src/cloud/taurusdb.js';
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

/** The sessions handed over, copied (the object is reused), grouped by the page request that brought them. */
async function allPages(fake: FakeProjectApi, reading: ProcessReading = {}): Promise<HtapProcess[][]> {
  const pages: HtapProcess[][] = [];
  const before = fake.calls.length;
  const page = (): HtapProcess[] => (pages[fake.calls.length - 1 - before] ??= []);
  try {
    await new TaurusDbApi(fake).processPages(HTAP, signal, (session) => page().push({ ...session }), { host: true, sql: true, ...reading });
  } finally {
    for (let i = 0; i < fake.calls.length - before; i++) pages[i] ??= [];
  }
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

  it('takes null labels as unknown and leaves out each null value with an anomaly', async () => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, {
      total: 1, max_htap_instance_num_of_taurus: null,
      instances: [{ id: 'h1in17', name: null, engine_name: null, engine_version: null, instance_state: null, create_at: null, is_frozen: null, ha_mode: null, node_num: null }],
    });
    const list = await new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    expect(list).toEqual({ total: 1, limit: undefined, instances: [{ id: 'h1in17' }] });
    expect(Object.values(list.instances[0] ?? {}).filter((v) => v !== undefined)).toEqual(['h1in17']);
    expect(fake.anomalies).toEqual([
      'instances[].instance_state.instance_status', 'instances[].node_num', 'instances[].is_frozen',
      'instances[].instance_state.wait_restart_for_params', 'instances[].create_at', 'max_htap_instance_num_of_taurus',
    ].map((field) => `taurusdb_htap ${field}`));
  });

  it('reads null instances as none', async () => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, { total: 0, instances: null, max_htap_instance_num_of_taurus: 10 });
    await expect(new TaurusDbApi(fake).htapInstances(TAURUS, signal)).resolves.toEqual({ total: 0, limit: 10, instances: [] });
    expect(fake.anomalies).toEqual([]);
  });

  it.each([
    ['a missing id', { instances: [{ name: 'x' }, { id: 'h2in17' }], total: 2 }, ['h2in17'], 'instances[].id'],
    ['a null id', { instances: [{ id: null }, { id: 'h2in17' }], total: 2 }, ['h2in17'], 'instances[].id'],
    ['a repeated id', { instances: [{ id: 'h1in17' }, { id: 'h1in17', name: 'second' }], total: 2 }, ['h1in17'], 'instances[].id'],
    ['an entry that is not an object', { instances: ['h1in17', { id: 'h2in17' }], total: 2 }, ['h2in17'], 'instances[]'],
  ])('leaves out only the entry with %s', async (_name, body, ids, field) => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, body);
    const list = await new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    expect(list.instances.map((i) => i.id)).toEqual(ids);
    expect(list.total).toBe(2);
    expect(fake.anomalies.filter((a) => !/node_num|is_frozen|create_at|instance_state|max_htap/.test(a))).toEqual([`taurusdb_htap ${field}`]);
  });

  it.each([
    ['a string is_frozen', { instances: [{ id: 'h1in17', is_frozen: 'false' }], total: 1 }, 'instances[].is_frozen', { frozen: undefined }],
    ['a numeric name', { instances: [{ id: 'h1in17', name: 7 }], total: 1 }, 'instances[].name', { name: undefined }],
  ])('leaves out %s, keeping the instance', async (_name, body, field, expected) => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, body);
    const list = await new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    expect(list.instances).toEqual([expect.objectContaining({ id: 'h1in17', ...expected })]);
    expect(fake.anomalies).toContain(`taurusdb_htap ${field}`);
  });

  it('leaves out a non-numeric total but keeps the instances; fails when neither is usable', async () => {
    const fake = new FakeProjectApi().on(`instances/${TAURUS}/htap`, { instances: [], total: 'two', max_htap_instance_num_of_taurus: 10 });
    await expect(new TaurusDbApi(fake).htapInstances(TAURUS, signal)).resolves.toEqual({ total: undefined, limit: 10, instances: [] });
    expect(fake.anomalies).toEqual(['taurusdb_htap total']);
    fake.on(`instances/${TAURUS}/htap`, { max_htap_instance_num_of_taurus: 10 });
    const answer = new TaurusDbApi(fake).htapInstances(TAURUS, signal);
    await expect(answer).rejects.toBeInstanceOf(BadResponseError);
    await expect(answer).rejects.toMatchObject({ api: 'taurusdb_htap', message: expect.stringContaining('neither total nor instances') });
  });
});

describe('TaurusDbApi.processPages', () => {
  it('pages 250 sessions as 100 + 100 + 50, with limit and offset as strings', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 250 }, (_, i) => session(i))));
    const pages = await allPages(fake);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(fake.calls.map((c) => c.query)).toEqual([
      { limit: '100', offset: '0' }, { limit: '100', offset: '100' }, { limit: '100', offset: '200' },
    ]);
    expect(fake.calls.every((c) => c.api === 'taurusdb_htap_process' && c.service === 'taurusdb')).toBe(true);
  });

  it('asks for one more (empty) page when the list is an exact multiple of the page size', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 4 }, (_, i) => session(i))));
    expect((await allPages(fake, { pageSize: 2 })).map((p) => p.length)).toEqual([2, 2, 0]);
    expect(fake.offsets(PROCESS)).toEqual(['0', '2', '4']);
  });

  it('reads every documented column; a numeric session id becomes a string, a missing SQL text empty', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1), session(2, { id: 7, sql_statement: null })]));
    expect(await allPages(fake)).toEqual([[
      { id: '1', user: 'user', host: '10.0.0.1:5000', state: 'OK', database: 'sys', command: 'Query', durationSeconds: 10, sql: 'show full processlist' },
      { id: '7', user: 'user', host: '10.0.0.1:5000', state: 'OK', database: 'sys', command: 'Query', durationSeconds: 10, sql: '' },
    ]]);
  });

  it('reads the host and the SQL text only when asked for', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1)]));
    const [bare] = await allPages(fake, { host: false, sql: false });
    expect(bare).toEqual([{ id: '1', user: 'user', host: '', state: 'OK', database: 'sys', command: 'Query', durationSeconds: 10, sql: '' }]);
    const [withHost] = await allPages(fake, { host: true, sql: false });
    expect(withHost?.[0]).toMatchObject({ host: '10.0.0.1:5000', sql: '' });
    const [withSql] = await allPages(fake, { host: false, sql: true });
    expect(withSql?.[0]).toMatchObject({ host: '', sql: 'show full processlist' });
  });

  it('leaves out an entry that is not an object, with an anomaly, and keeps the rest', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1), null, 'x', session(2)]));
    const [page] = await allPages(fake);
    expect(page?.map((p) => p.id)).toEqual(['1', '2']);
    expect(fake.anomalies).toEqual(['taurusdb_htap_process process_list[]', 'taurusdb_htap_process process_list[]']);
  });

  it('accepts a duration sent as a string', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { duration: '42' }), session(2, { duration: '0.5' })]));
    const [page] = await allPages(fake);
    expect(page?.map((p) => p.durationSeconds)).toEqual([42, 0.5]);
  });

  it.each([['-1', -1], ['"-1"', '-1'], ['"abc"', 'abc'], ['null', null], ['absent', undefined], ['""', ''], ['"1e3"', '1e3'], ['"Infinity"', 'Infinity']])(
    'takes duration %s as unknown, keeping the session, with an anomaly', async (_name, duration) => {
      const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { duration }), session(2)]));
      const [page] = await allPages(fake);
      expect(page?.map((p) => p.durationSeconds)).toEqual([undefined, 10]);
      expect(fake.anomalies).toEqual(['taurusdb_htap_process process_list[].duration']);
    });

  it('treats null text columns as empty; a non-string one is empty too, with an anomaly', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([session(1, { database: null, host: undefined })]));
    const [page] = await allPages(fake);
    expect(page?.[0]).toMatchObject({ database: '', host: '' });
    expect(fake.anomalies).toEqual([]);
    fake.on(PROCESS, pagedProcesses([session(1, { user: 5 })]));
    const [again] = await allPages(fake);
    expect(again?.[0]).toMatchObject({ user: '', durationSeconds: 10 });
    expect(fake.anomalies).toEqual(['taurusdb_htap_process process_list[].user']);
  });

  it('fails with "page cap reached" when full pages go on past maxPages', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses(Array.from({ length: 250 }, (_, i) => session(i))));
    let sessions = 0;
    const run = new TaurusDbApi(fake).processPages(HTAP, signal, () => sessions++, { maxPages: 2 });
    await expect(run).rejects.toThrow('page cap reached');
    expect(sessions).toBe(200);
    expect(fake.offsets(PROCESS)).toEqual(['0', '100']);
  });

  it('fails with "repeating page" when the server ignores offset', async () => {
    let calls = 0;
    // Same sessions each time; durations tick on, which must not hide the repetition.
    const fake = new FakeProjectApi().on(PROCESS, () => {
      calls += 1;
      return { process_list: Array.from({ length: 100 }, (_, i) => session(i, { duration: calls })) };
    });
    await expect(allPages(fake)).rejects.toThrow('repeating page');
    expect(fake.offsets(PROCESS)).toEqual(['0', '100']);
  });

  it('accepts a null process_list as no sessions, but not a missing one', async () => {
    const fake = new FakeProjectApi().on(PROCESS, { process_list: null });
    expect(await allPages(fake)).toEqual([[]]);
    fake.on(PROCESS, {});
    await expect(allPages(fake)).rejects.toThrow(BadResponseError);
  });

  it('takes a page longer than the limit whole and goes on at offset plus its length (a server ignoring limit)', async () => {
    const all = Array.from({ length: 7 }, (_, i) => session(i));
    // Answers everything from offset on, whatever the limit.
    const fake = new FakeProjectApi().on(PROCESS, (query: Readonly<Record<string, string>>) => ({ process_list: all.slice(Number(query.offset)) }));
    const pages = await allPages(fake, { pageSize: 2 });
    expect(pages.map((p) => p.length)).toEqual([7, 0]);
    expect(fake.offsets(PROCESS)).toEqual(['0', '7']);
  });

  it('goes on at offset plus page length when the server pages by its own size (longer pages, then a short one)', async () => {
    const all = Array.from({ length: 25 }, (_, i) => session(i));
    // A server that always answers 10 sessions from the offset, whatever the limit (here 4).
    const fake = new FakeProjectApi().on(PROCESS, (query: Readonly<Record<string, string>>) => ({
      process_list: all.slice(Number(query.offset), Number(query.offset) + 10),
    }));
    const pages = await allPages(fake, { pageSize: 4 });
    // The third page is not shorter than the limit, so one more (empty) page is asked for.
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5, 0]);
    expect(fake.offsets(PROCESS)).toEqual(['0', '10', '20', '25']);
    expect(pages.flat()).toHaveLength(25);
  });

  it('refuses a page size the API does not allow', async () => {
    const fake = new FakeProjectApi().on(PROCESS, pagedProcesses([]));
    await expect(allPages(fake, { pageSize: 101 })).rejects.toThrow(RangeError);
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
