import { describe, expect, it } from '@jest/globals';
import { HTAP_INSTANCES, HtapInstancesCollector } from '../../src/collectors/htap-instances.js';
import { HtapInventory } from '../../src/collectors/htap-inventory.js';
import { HTAP_PROCESSES, HtapProcessesCollector, type HtapProcessesSettings } from '../../src/collectors/htap-processes.js';
import { SnapshotStore } from '../../src/metrics/snapshot.js';
import { FakeProjectApi, PROJECT_ID, pagedProcesses, pollInto, sampleLines, serverError, taurusSource, taurusTargets } from './fake-project-api.js';

const T1 = '18c3eeb7b788479eb8b93b209946a83bin07';
const T2 = '28c3eeb7b788479eb8b93b209946a83bin07';
const H1 = '5fbd54b94f0f4adbb17f728f581d247ein17';
const H2 = '914481def3574d5189baee926a26512din17';
const CH = 'c1c1c1def3574d5189baee926a26512din17';
const H1_LABELS = `instance_id="${T1}",htap_instance_id="${H1}"`;

const SETTINGS: HtapProcessesSettings = {
  schedule: '*/30 * * * * *', longRunningSeconds: 60, idleCommands: ['sleep', 'daemon'], byUser: true, byDatabase: true, byHost: true, maxLabelValues: 20,
  topSessions: 0, topSessionsSqlChars: 200,
};

const processPath = (htapId: string): string => `instances/${htapId}/htap/process`;

function htapAnswer(...instances: Array<[id: string, engine: string]>): Record<string, unknown> {
  return {
    total: instances.length, max_htap_instance_num_of_taurus: 10,
    instances: instances.map(([id, engine]) => ({ id, name: id.slice(0, 4), engine_name: engine, instance_state: { instance_status: 'normal' } })),
  };
}

let nextId = 0;
function session(fields: { user?: string; host?: string; state?: string; database?: string; command?: string; duration?: number | string }): Record<string, unknown> {
  nextId += 1;
  return {
    id: String(nextId), user: 'alice', host: '10.0.0.5:50000', state: 'OK', database: 'sales', command: 'Query',
    duration: 1, sql_statement: 'select 1', ...fields,
  };
}

interface Setup {
  fake: FakeProjectApi;
  store: SnapshotStore;
  processes: HtapProcessesCollector;
  instances: HtapInstancesCollector;
}

function setup(fake: FakeProjectApi, settings: Partial<HtapProcessesSettings> = {}, ids = [T1]): Setup {
  const inventory = new HtapInventory();
  const targets = taurusTargets(fake, ids);
  const source = taurusSource(() => targets);
  const processes = new HtapProcessesCollector(source, inventory, { ...SETTINGS, ...settings });
  const instances = new HtapInstancesCollector(source, inventory);
  return { fake, store: new SnapshotStore([HTAP_INSTANCES, HTAP_PROCESSES]), processes, instances };
}

/** The htap_processes lines of one HTAP instance, plus its `up`. */
function linesOf(store: SnapshotStore, htapId: string): string[] {
  return sampleLines(store).filter((l) => l.includes(`"${htapId}"`) && !l.startsWith('huaweicloud_taurusdb_htap_instance'));
}

describe('HtapProcessesCollector', () => {
  it('aggregates sessions per state and command, long-running, and per user, database and host', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses([
        session({ user: ' alice ', host: '10.0.0.5:51234', state: ' OK ', database: 'sales', command: 'Query', duration: 60 }),
        session({ user: 'alice', host: '10.0.0.5:51235', state: 'ok', database: 'sales', command: 'QUERY', duration: '5' }),
        session({ user: 'bob', host: '[::1]:3306', state: '', database: '', command: 'Sleep', duration: 59 }),
        session({ user: '', host: 'app-1:3306', state: 'OK', database: 'sys', command: 'Sleep', duration: 120 }),
      ]));
    const { store, processes } = setup(fake);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H1)).toEqual([
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="ok",command="query"} 2`,
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="ok",command="sleep"} 1`,
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="unknown",command="sleep"} 1`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="ok",command="query"} 60`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="ok",command="sleep"} 120`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="unknown",command="sleep"} 59`,
      // The query at 60 (== long_running_seconds) counts; the sleeping 120 is idle, not long-running.
      `huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="alice"} 2`,
      `huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="bob"} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="unknown"} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_database{${H1_LABELS},database="sales"} 2`,
      `huaweicloud_taurusdb_htap_sessions_by_database{${H1_LABELS},database="sys"} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_database{${H1_LABELS},database="unknown"} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_host{${H1_LABELS},host="10.0.0.5"} 2`,
      `huaweicloud_taurusdb_htap_sessions_by_host{${H1_LABELS},host="::1"} 1`,
      `huaweicloud_taurusdb_htap_sessions_by_host{${H1_LABELS},host="app-1"} 1`,
      `huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 1`,
    ]);
    expect(store.current().text).toContain(
      '# HELP huaweicloud_taurusdb_htap_sessions Number of HTAP sessions per state and command, as of the last poll.\n');
    expect(store.current().text).not.toContain('select 1');
  });

  it('counts as long-running only busy sessions: idle_commands compared after normalisation', async () => {
    const old = (command: string): Record<string, unknown> => session({ command, duration: 61 });
    const sessions = [old('Sleep'), old(' sleep '), old('DAEMON'), old('Query'), old('Connect'), old(''), session({ command: 'Query', duration: 59 })];
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses(sessions));
    const longRunning = async (settings: Partial<HtapProcessesSettings>): Promise<string | undefined> => {
      const { store, processes } = setup(fake, settings);
      await pollInto(store, HTAP_PROCESSES, processes);
      return linesOf(store, H1).find((l) => l.startsWith('huaweicloud_taurusdb_htap_sessions_long_running'));
    };
    // Default: sleep and daemon are idle; query, connect and an empty command (unknown) are busy.
    expect(await longRunning({})).toBe(`huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 3`);
    expect(await longRunning({ idleCommands: [' Sleep', 'daemon', 'connect'] })).toBe(`huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 2`);
    // No idle commands: every session at least 60 s old, as before.
    expect(await longRunning({ idleCommands: [] })).toBe(`huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 6`);
  });

  it('leaves out the breakdowns that are switched off', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses([session({})]));
    const { store, processes } = setup(fake, { byUser: false, byDatabase: false, byHost: false });
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H1).filter((l) => l.includes('_by_'))).toEqual([]);
  });

  it('pages through 250 sessions (offsets 0, 100, 200) and counts them all', async () => {
    const sessions = Array.from({ length: 250 }, (_, i) => session({ state: i % 2 === 0 ? 'OK' : 'EOF', duration: i }));
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses(sessions));
    const { store, processes } = setup(fake, { byUser: false, byDatabase: false, byHost: false });
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(fake.offsets(processPath(H1))).toEqual(['0', '100', '200']);
    expect(linesOf(store, H1)).toEqual([
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="eof",command="query"} 125`,
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="ok",command="query"} 125`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="eof",command="query"} 249`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="ok",command="query"} 248`,
      `huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 190`,
      `huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 1`,
    ]);
  });

  it('caps 25 users at max_label_values 20: the 19 largest and other', async () => {
    // userNN has NN + 1 sessions.
    const sessions = Array.from({ length: 25 }, (_, i) => Array.from({ length: i + 1 }, () => session({ user: `user${String(i).padStart(2, '0')}` }))).flat();
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses(sessions));
    const { store, processes } = setup(fake, { byDatabase: false, byHost: false });
    await pollInto(store, HTAP_PROCESSES, processes);
    const users = linesOf(store, H1).filter((l) => l.includes('_by_user'));
    expect(users).toHaveLength(20);
    expect(users[0]).toBe(`huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="user06"} 7`);
    expect(users[18]).toBe(`huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="user24"} 25`);
    // user00..user05: 1 + 2 + ... + 6 sessions.
    expect(users[19]).toBe(`huaweicloud_taurusdb_htap_sessions_by_user{${H1_LABELS},user="other"} 21`);
  });

  it('folds surplus state and command pairs into other/other with summed counts and the longest duration', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), pagedProcesses([
        session({ state: 'OK', command: 'Query', duration: 3 }),
        session({ state: 'OK', command: 'Query', duration: 4 }),
        session({ state: 'OK', command: 'Query', duration: 1 }),
        session({ state: 'EOF', command: 'Sleep', duration: 500 }),
        session({ state: 'Waiting', command: 'Query', duration: 7 }),
      ]));
    const { store, processes } = setup(fake, { maxLabelValues: 2, byUser: false, byDatabase: false, byHost: false });
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H1).filter((l) => !l.includes('long_running') && !l.startsWith('huaweicloud_db_up'))).toEqual([
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="ok",command="query"} 3`,
      `huaweicloud_taurusdb_htap_sessions{${H1_LABELS},state="other",command="other"} 2`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="ok",command="query"} 4`,
      `huaweicloud_taurusdb_htap_session_max_duration_seconds{${H1_LABELS},state="other",command="other"} 500`,
    ]);
  });

  it('publishes only long_running 0 for an HTAP instance with no sessions', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(processPath(H1), { process_list: [] });
    const { store, processes } = setup(fake);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H1)).toEqual([
      `huaweicloud_taurusdb_htap_sessions_long_running{${H1_LABELS}} 0`,
      `huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 1`,
    ]);
  });

  it('publishes nothing for an HTAP instance whose list fails on page 2, and leaves the others alone', async () => {
    const first = Array.from({ length: 100 }, () => session({}));
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks'], [H2, 'star-rocks']))
      .on(processPath(H1), (query: Readonly<Record<string, string>>) => {
        if (query.offset === '0') return { process_list: first };
        throw serverError('taurusdb_htap_process');
      })
      .on(processPath(H2), pagedProcesses([session({})]));
    const { store, processes } = setup(fake);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H1)).toEqual([`huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 0`]);
    expect(linesOf(store, H2)).toContain(`huaweicloud_db_up{collector="htap_processes",instance_id="${T1}",htap_instance_id="${H2}"} 1`);
    expect(linesOf(store, H2)).toContain(`huaweicloud_taurusdb_htap_sessions{instance_id="${T1}",htap_instance_id="${H2}",state="ok",command="query"} 1`);
  });

  it('does not poll the sessions of ClickHouse instances', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks'], [CH, 'click-house']))
      .on(processPath(H1), pagedProcesses([]))
      .on(processPath(CH), pagedProcesses([session({})]));
    const { store, processes } = setup(fake);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(fake.calls.filter((c) => c.path.includes(CH))).toEqual([]);
    expect(sampleLines(store).filter((l) => l.includes(CH))).toEqual([]);
  });

  it('stops polling an HTAP instance once it vanished from /htap', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks'], [H2, 'star-rocks']))
      .on(processPath(H1), pagedProcesses([session({})]))
      .on(processPath(H2), pagedProcesses([session({})]));
    const { store, processes, instances } = setup(fake);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(linesOf(store, H2)).toContain(`huaweicloud_db_up{collector="htap_processes",instance_id="${T1}",htap_instance_id="${H2}"} 1`);
    fake.on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']));
    await pollInto(store, HTAP_INSTANCES, instances);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(sampleLines(store).filter((l) => l.includes(H2))).toEqual([]);
    expect(linesOf(store, H1)).toContain(`huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 1`);
  });

  it('polls no HTAP instance of a TaurusDB instance whose /htap fails, and the others as usual', async () => {
    const fake = new FakeProjectApi()
      .on(`instances/${T1}/htap`, htapAnswer([H1, 'star-rocks']))
      .on(`instances/${T2}/htap`, () => { throw serverError('taurusdb_htap'); })
      .on(processPath(H1), pagedProcesses([session({})]));
    const { store, processes } = setup(fake, {}, [T1, T2]);
    await pollInto(store, HTAP_PROCESSES, processes);
    expect(sampleLines(store).filter((l) => l.startsWith('huaweicloud_db_up'))).toEqual([
      `huaweicloud_db_up{collector="htap_processes",${H1_LABELS}} 1`,
    ]);
    expect(fake.calls.map((c) => c.path)).toContain(`/v3/${PROJECT_ID}/instances/${T2}/htap`);
  });
});
