// Answers built from the SDK models with one optional field removed (or null) at a time, through
// the real daemon against the simulator: only the series needing the field go, the target stays
// up, the field is counted in huaweicloud_db_exporter_answer_anomalies_total{api,field} and logged
// once per poll with the request id (docs/api-fields.md lists which series need which field).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoRoles } from '../../src/simulator/fleet.js';
import { optionalValueOf } from '../support/exposition.js';
import type { Stack } from '../support/stack.js';
import { isolateTests, requestsFor, seriesNaming, startOnDemandStack, sum, tick, up, type Scrape } from './faults-support.js';

const OVERVIEW = 'gaussdb_session_overview';
const HTAP = 'taurusdb_htap';
const PROCESS = 'taurusdb_htap_process';
const ANOMALIES = 'huaweicloud_db_exporter_answer_anomalies_total';
let stack: Stack;

let demo: DemoRoles;

beforeAll(async () => {
  ({ stack, demo } = await startOnDemandStack('answer-fields'));
});

afterAll(async () => {
  await stack.stop();
});

isolateTests(() => stack);

/** Polls `collector` with the field left out of `api`'s answers for `instanceId`; returns the scrape and the counter's growth. */
async function pollWithout(collector: string, api: typeof OVERVIEW | typeof HTAP | typeof PROCESS, instanceId: string, field: string,
  asNull = false): Promise<{ metrics: Scrape; counted: number; logged: Array<Record<string, unknown>> }> {
  const before = await stack.scrape();
  const logsBefore = stack.logs.records().length;
  stack.sim.faults.add({ api, instanceId, kind: 'omit_field', field, ...(asNull ? { asNull } : {}) });
  const metrics = await tick(stack, collector);
  const counted = sum(metrics, ANOMALIES, { api, field }) - sum(before, ANOMALIES, { api, field });
  const logged = stack.logs.records().slice(logsBefore).filter((r) => r.api === api && r.field === field);
  return { metrics, counted, logged };
}

describe('session overview (ShowSessionOverviewResponse)', () => {
  const FAMILY = {
    active_num: 'huaweicloud_gaussdb_sessions_active',
    total_num: 'huaweicloud_gaussdb_sessions',
    slow_sql_num: 'huaweicloud_gaussdb_sessions_slow_sql',
    lock_num: 'huaweicloud_gaussdb_sessions_lock_waiting',
  } as const;

  it.each([
    ['active_num', false], ['total_num', false], ['slow_sql_num', false], ['lock_num', false], ['total_num', true],
  ] as const)('without %s (null: %s): only its series goes, the target stays up', async (field, asNull) => {
    const id = demo.lockingGaussDbId;
    const overview = stack.sim.fleet.gaussdb(id)?.overview;
    const { metrics, counted, logged } = await pollWithout('session_overview', OVERVIEW, id, field, asNull);
    expect(up(metrics, 'session_overview', id)).toBe(1);
    const expected = { active_num: overview?.active, total_num: overview?.total, slow_sql_num: overview?.slowSql, lock_num: overview?.lockWaiting };
    for (const [name, family] of Object.entries(FAMILY)) {
      expect([name, optionalValueOf(metrics, family, { instance_id: id })]).toEqual([name, name === field ? undefined : expected[name as keyof typeof expected]]);
    }
    expect(counted).toBe(1);
    expect(logged).toEqual([expect.objectContaining({ level: 'warn', request_id: requestsFor(stack, OVERVIEW, id)[0]?.requestId })]);
    // Every other instance untouched.
    for (const other of demo.gaussDbIds.filter((g) => g !== id)) {
      expect(optionalValueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: other })).toBe(stack.sim.fleet.gaussdb(other)?.overview.total);
    }
  });
});

describe('HTAP instances (ListHtapInstanceInfoResponse, HtapInstanceListInstances)', () => {
  const perHtap = (metrics: Scrape, family: string, htapId: string): number | undefined =>
    optionalValueOf(metrics, family, { instance_id: demo.ordersTaurusId, htap_instance_id: htapId });

  it.each([
    ['instances[].node_num', 'huaweicloud_taurusdb_htap_instance_nodes'],
    ['instances[].is_frozen', 'huaweicloud_taurusdb_htap_instance_frozen'],
    ['instances[].create_at', 'huaweicloud_taurusdb_htap_instance_created_timestamp_seconds'],
    ['instances[].instance_state.wait_restart_for_params', 'huaweicloud_taurusdb_htap_instance_restart_pending'],
  ])('without %s: only %s goes, for each of the three HTAP instances', async (field, family) => {
    const { metrics, counted, logged } = await pollWithout('htap_instances', HTAP, demo.ordersTaurusId, field);
    expect(up(metrics, 'htap_instances', demo.ordersTaurusId)).toBe(1);
    for (const htapId of [demo.busyHtapId, demo.smallHtapId, demo.clickhouseHtapId]) {
      expect(perHtap(metrics, family, htapId)).toBeUndefined();
      expect(perHtap(metrics, 'huaweicloud_taurusdb_htap_instance_status', htapId)).toBe(1);
      expect(sum(metrics, 'huaweicloud_taurusdb_htap_instance_info', { htap_instance_id: htapId })).toBe(1);
    }
    expect(optionalValueOf(metrics, 'huaweicloud_taurusdb_htap_instances', { instance_id: demo.ordersTaurusId })).toBe(3);
    expect(counted).toBe(3);
    expect(logged).toHaveLength(1);
    // The billing instance's HTAP instance is whole.
    expect(optionalValueOf(metrics, family, { instance_id: demo.billingTaurusId, htap_instance_id: demo.frozenHtapId })).toBeDefined();
  });

  it('without instances[].instance_state: no status and no restart-pending series; the rest stays', async () => {
    const { metrics } = await pollWithout('htap_instances', HTAP, demo.ordersTaurusId, 'instances[].instance_state');
    expect(up(metrics, 'htap_instances', demo.ordersTaurusId)).toBe(1);
    expect(perHtap(metrics, 'huaweicloud_taurusdb_htap_instance_restart_pending', demo.busyHtapId)).toBeUndefined();
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_instance_status', { htap_instance_id: demo.busyHtapId })).toBe(0);
    expect(perHtap(metrics, 'huaweicloud_taurusdb_htap_instance_nodes', demo.busyHtapId)).toBe(stack.sim.fleet.htap(demo.busyHtapId)?.nodeNum);
  });

  it('without instances[].name: the info series stays, named unknown, and is no anomaly (a label only)', async () => {
    const { metrics, counted } = await pollWithout('htap_instances', HTAP, demo.ordersTaurusId, 'instances[].name');
    expect(seriesNaming(metrics, 'htap_instance_id', demo.busyHtapId).filter((k) => k.startsWith('huaweicloud_taurusdb_htap_instance_info')))
      .toEqual([expect.stringContaining('name="unknown"')]);
    expect(counted).toBe(0);
  });

  it.each([
    ['total', 'huaweicloud_taurusdb_htap_instances'],
    ['max_htap_instance_num_of_taurus', 'huaweicloud_taurusdb_htap_instances_limit'],
  ])('without %s: only %s goes', async (field, family) => {
    const { metrics, counted } = await pollWithout('htap_instances', HTAP, demo.ordersTaurusId, field);
    expect(up(metrics, 'htap_instances', demo.ordersTaurusId)).toBe(1);
    expect(optionalValueOf(metrics, family, { instance_id: demo.ordersTaurusId })).toBeUndefined();
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_instance_info', { instance_id: demo.ordersTaurusId })).toBe(3);
    expect(counted).toBe(1);
  });

  it('with instances null: zero HTAP instances, up, the total as sent, no anomaly', async () => {
    const { metrics, counted } = await pollWithout('htap_instances', HTAP, demo.ordersTaurusId, 'instances', true);
    expect(up(metrics, 'htap_instances', demo.ordersTaurusId)).toBe(1);
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_instance_info', { instance_id: demo.ordersTaurusId })).toBe(0);
    expect(optionalValueOf(metrics, 'huaweicloud_taurusdb_htap_instances', { instance_id: demo.ordersTaurusId })).toBe(3);
    expect(counted).toBe(0);
    // The inventory follows: the next session poll has no HTAP instance of orders to poll.
    stack.sim.faults.add({ api: HTAP, instanceId: demo.ordersTaurusId, kind: 'omit_field', field: 'instances', asNull: true });
    const sessions = await tick(stack, 'htap_processes');
    expect(up(sessions, 'htap_processes', demo.busyHtapId)).toBeUndefined();
    stack.sim.faults.clear();
    await tick(stack, 'htap_instances');
  });
});

describe('HTAP sessions (ShowHtapProcessListResponse, HtapProcessInfo)', () => {
  it.each([false, true])('without process_list[].duration (null: %s): every session counted, no max duration, long-running 0, up', async (asNull) => {
    const htapId = demo.busyHtapId;
    const count = stack.sim.fleet.htap(htapId)?.sessionCount ?? -1;
    const { metrics, counted, logged } = await pollWithout('htap_processes', PROCESS, htapId, 'process_list[].duration', asNull);
    expect(up(metrics, 'htap_processes', htapId)).toBe(1);
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_sessions', { htap_instance_id: htapId })).toBe(count);
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_sessions_by_user', { htap_instance_id: htapId })).toBe(count);
    expect(seriesNaming(metrics, 'htap_instance_id', htapId).filter((k) => k.startsWith('huaweicloud_taurusdb_htap_session_max_duration'))).toEqual([]);
    expect(optionalValueOf(metrics, 'huaweicloud_taurusdb_htap_sessions_long_running', { instance_id: demo.ordersTaurusId, htap_instance_id: htapId })).toBe(0);
    expect(counted).toBe(count);
    // One line for the poll, though every session of three pages lacked it.
    expect(logged).toEqual([expect.objectContaining({ request_id: requestsFor(stack, PROCESS, htapId)[0]?.requestId })]);
    // The other StarRocks instance keeps its durations.
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_session_max_duration_seconds', { htap_instance_id: demo.smallHtapId })).toBeGreaterThan(0);
  });

  it('without process_list[].state: sessions counted under state "unknown", no anomaly', async () => {
    const htapId = demo.smallHtapId;
    const count = stack.sim.fleet.htap(htapId)?.sessionCount ?? -1;
    const { metrics, counted } = await pollWithout('htap_processes', PROCESS, htapId, 'process_list[].state');
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_sessions', { htap_instance_id: htapId, state: 'unknown' })).toBe(count);
    expect(counted).toBe(0);
  });

  it('without process_list: nothing usable left, so that HTAP instance is down', async () => {
    const { metrics, counted } = await pollWithout('htap_processes', PROCESS, demo.smallHtapId, 'process_list');
    expect(up(metrics, 'htap_processes', demo.smallHtapId)).toBe(0);
    expect(up(metrics, 'htap_processes', demo.busyHtapId)).toBe(1);
    expect(counted).toBe(1);
  });
});
