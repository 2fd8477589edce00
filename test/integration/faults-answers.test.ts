// Answers that arrive but are wrong, through the real daemon against the simulator: truncated
// JSON, a process list that repeats or never ends, and a process list failing half-way (the target
// is down and publishes nothing partial; the others are untouched); fields of the wrong type (only
// the series needing them go); a server paging by its own size.
// Polls run on the daemon's own runtime (its scheduled jobs, fired on demand).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoRoles } from '../../src/simulator/fleet.js';
import { seriesOf, valueOf } from '../support/exposition.js';
import type { Stack } from '../support/stack.js';
import {
  isolateTests, failureLogs, onRequest, requestsFor, seriesNaming, startOnDemandStack, sum, tick, up, type Scrape,
} from './faults-support.js';

const OVERVIEW = 'gaussdb_session_overview';
const HTAP = 'taurusdb_htap';
const PROCESS = 'taurusdb_htap_process';
/** the families of the htap_processes collector */
const SESSION_FAMILIES = /^huaweicloud_taurusdb_htap_(sessions|session_max_duration_seconds)/;
let stack: Stack;
let demo: DemoRoles;

beforeAll(async () => {
  ({ stack, demo } = await startOnDemandStack('faults-answers'));
});

afterAll(async () => {
  await stack.stop();
});

isolateTests(() => stack);

const gauss = () => stack.sim.fleet.projects[0]?.gaussdb ?? [];

function expectGaussDown(metrics: Scrape, id: string): void {
  expect(up(metrics, 'session_overview', id)).toBe(0);
  expect(seriesNaming(metrics, 'instance_id', id).filter((k) => k.startsWith('huaweicloud_gaussdb_sessions'))).toEqual([]);
  for (const other of gauss().filter((g) => g.id !== id)) {
    expect(up(metrics, 'session_overview', other.id)).toBe(1);
    expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: other.id })).toBe(other.overview.total);
    expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions_lock_waiting', { instance_id: other.id })).toBe(other.overview.lockWaiting);
  }
}

/** Sessions of an HTAP instance as published: every session counted once. */
const sessionsOf = (metrics: Scrape, htapId: string): number => sum(metrics, 'huaweicloud_taurusdb_htap_sessions', { htap_instance_id: htapId });
const sessionCount = (htapId: string): number => stack.sim.fleet.htap(htapId)?.sessionCount ?? -1;

/** The HTAP instance is down for htap_processes with no session series; the other StarRocks ones are whole. */
function expectHtapDown(metrics: Scrape, htapId: string): void {
  expect(up(metrics, 'htap_processes', htapId)).toBe(0);
  expect(seriesNaming(metrics, 'htap_instance_id', htapId).filter((k) => SESSION_FAMILIES.test(k))).toEqual([]);
  for (const other of [demo.busyHtapId, demo.smallHtapId, demo.frozenHtapId].filter((id) => id !== htapId)) {
    expect(up(metrics, 'htap_processes', other)).toBe(1);
    expect(sessionsOf(metrics, other)).toBe(sessionCount(other));
  }
}

describe('malformed JSON', () => {
  it('a truncated overview: target down, not retried, the request id logged', async () => {
    const id = gauss()[1]?.id ?? '';
    const before = await stack.scrape();
    stack.sim.faults.add({ api: OVERVIEW, instanceId: id, kind: 'malformed_json' });
    const metrics = await tick(stack, 'session_overview');
    expectGaussDown(metrics, id);
    // the gateway said 200 for every instance, the broken one included
    expect(sum(metrics, 'huaweicloud_db_exporter_api_requests_total', { api: OVERVIEW, code: '200' })
      - sum(before, 'huaweicloud_db_exporter_api_requests_total', { api: OVERVIEW, code: '200' })).toBe(gauss().length);
    const requests = requestsFor(stack, OVERVIEW, id);
    expect(requests.map((r) => r.status)).toEqual([200]);
    expect(failureLogs(stack, id).at(-1)).toMatchObject({
      collector: 'session_overview', instance_id: id, name: gauss()[1]?.name,
      api: OVERVIEW, error_msg: `${OVERVIEW}: bad response: body is not JSON`, request_id: requests[0]?.requestId,
    });
  });

  it('a truncated process page: that HTAP instance down, nothing partial', async () => {
    stack.sim.faults.add({ api: PROCESS, instanceId: demo.smallHtapId, kind: 'malformed_json' });
    const metrics = await tick(stack, 'htap_processes');
    expectHtapDown(metrics, demo.smallHtapId);
    const small = stack.sim.fleet.projects[0]?.taurusdb.flatMap((t) => t.htap.map((h) => ({ t, h }))).find(({ h }) => h.id === demo.smallHtapId);
    // Both ids, as on the session series, and the name of its TaurusDB instance.
    expect(failureLogs(stack, demo.smallHtapId).at(-1)).toMatchObject({
      collector: 'htap_processes', instance_id: small?.t.id, htap_instance_id: demo.smallHtapId, name: small?.t.name,
      api: PROCESS, request_id: requestsFor(stack, PROCESS, demo.smallHtapId)[0]?.requestId,
    });
  });
});

describe('wrong field types', () => {
  const anomaliesOf = (metrics: Scrape, api: string): Record<string, number> => Object.fromEntries(
    [...seriesOf(metrics, 'huaweicloud_db_exporter_answer_anomalies_total', { api }).entries()]
      .map(([key, value]) => [/field="([^"]*)"/.exec(key)?.[1] ?? key, value]));

  it('"n/a", "1.5e" and null counts in an overview: only those series go, never 0; the target stays up', async () => {
    const id = gauss()[2]?.id ?? '';
    const before = anomaliesOf(await stack.scrape(), OVERVIEW);
    stack.sim.faults.add({ api: OVERVIEW, instanceId: id, kind: 'wrong_types' });
    const metrics = await tick(stack, 'session_overview');
    expect(up(metrics, 'session_overview', id)).toBe(1);
    expect(seriesNaming(metrics, 'instance_id', id).filter((k) => k.startsWith('huaweicloud_gaussdb_sessions')))
      .toEqual([`huaweicloud_gaussdb_sessions_active{instance_id="${id}"}`]);
    expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions_active', { instance_id: id })).toBe(gauss()[2]?.overview.active);
    const after = anomaliesOf(metrics, OVERVIEW);
    expect(['total_num', 'slow_sql_num', 'lock_num', 'active_num'].map((f) => (after[f] ?? 0) - (before[f] ?? 0))).toEqual([1, 1, 1, 0]);
    expect(requestsFor(stack, OVERVIEW, id)).toHaveLength(1);
  });

  it('a number for user and duration "abc" in a process list: every session counted, no durations, the instance up', async () => {
    stack.sim.faults.add({ api: PROCESS, instanceId: demo.smallHtapId, kind: 'wrong_types' });
    const metrics = await tick(stack, 'htap_processes');
    expect(up(metrics, 'htap_processes', demo.smallHtapId)).toBe(1);
    expect(sessionsOf(metrics, demo.smallHtapId)).toBe(sessionCount(demo.smallHtapId));
    expect(seriesNaming(metrics, 'htap_instance_id', demo.smallHtapId).filter((k) => k.includes('max_duration'))).toEqual([]);
    // every other session has user 42, which is read as unknown
    expect(sum(metrics, 'huaweicloud_taurusdb_htap_sessions_by_user', { htap_instance_id: demo.smallHtapId, user: 'unknown' }))
      .toBe(Math.ceil(sessionCount(demo.smallHtapId) / 2));
    expect(anomaliesOf(metrics, PROCESS)).toMatchObject({ 'process_list[].duration': expect.any(Number), 'process_list[].user': expect.any(Number) });
  });

  it('a string for instance_state and words for numbers in an /htap answer: those series go, the instances stay and their sessions are polled', async () => {
    stack.sim.faults.add({ api: HTAP, instanceId: demo.ordersTaurusId, kind: 'wrong_types' });
    let metrics = await tick(stack, 'htap_instances');
    expect(up(metrics, 'htap_instances', demo.ordersTaurusId)).toBe(1);
    const series = seriesNaming(metrics, 'instance_id', demo.ordersTaurusId).filter((k) => k.startsWith('huaweicloud_taurusdb_htap_instance'));
    expect(new Set(series.map((k) => k.slice(0, k.indexOf('{'))))).toEqual(new Set(['huaweicloud_taurusdb_htap_instance_info']));
    expect(series).toHaveLength(3);
    expect(up(metrics, 'htap_instances', demo.billingTaurusId)).toBe(1);
    expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instances', { instance_id: demo.billingTaurusId })).toBe(1);
    expect(anomaliesOf(metrics, HTAP)).toMatchObject({ 'instances[].instance_state': 3, total: 1, max_htap_instance_num_of_taurus: 1 });
    metrics = await tick(stack, 'htap_processes');
    for (const htapId of [demo.busyHtapId, demo.smallHtapId]) {
      expect(up(metrics, 'htap_processes', htapId)).toBe(1);
      expect(sessionsOf(metrics, htapId)).toBe(sessionCount(htapId));
    }
  });
});

describe('process list paging guards', () => {
  it('a page repeating whatever the offset: stopped at the second page, that HTAP instance down, nothing partial', async () => {
    stack.sim.faults.add({ api: PROCESS, instanceId: demo.busyHtapId, kind: 'repeat_page' });
    const metrics = await tick(stack, 'htap_processes');
    expectHtapDown(metrics, demo.busyHtapId);
    expect(requestsFor(stack, PROCESS, demo.busyHtapId).map((r) => r.query.offset)).toEqual(['0', '100']);
    expect(failureLogs(stack, demo.busyHtapId).at(-1)).toMatchObject({ api: PROCESS, error_msg: expect.stringContaining('repeating page at offset 100') });
  });

  it.each([
    ['the whole list in one page', undefined, [['0', 250], ['250', 0]]],
    ['pages of 150 whatever the limit', 150, [['0', 150], ['150', 100], ['250', 0]]],
  ] as const)('a server ignoring limit (%s): every page taken whole, paging on at offset plus page length, up', async (_name, pageSize, pages) => {
    stack.sim.faults.add({ api: PROCESS, instanceId: demo.busyHtapId, kind: 'ignore_limit', ...(pageSize ? { pageSize } : {}) });
    const metrics = await tick(stack, 'htap_processes');
    expect(up(metrics, 'htap_processes', demo.busyHtapId)).toBe(1);
    expect(sessionsOf(metrics, demo.busyHtapId)).toBe(250);
    expect(requestsFor(stack, PROCESS, demo.busyHtapId).map((r) => r.query.offset)).toEqual(pages.map(([offset]) => offset));
  });

  it('a list longer than the page cap (100 pages of 100): stopped at the cap, that HTAP instance down, nothing partial', async () => {
    stack.sim.fleet.setSessionCount(demo.busyHtapId, 10_050);
    try {
      const metrics = await tick(stack, 'htap_processes');
      expectHtapDown(metrics, demo.busyHtapId);
      expect(requestsFor(stack, PROCESS, demo.busyHtapId)).toHaveLength(100);
      expect(failureLogs(stack, demo.busyHtapId).at(-1)).toMatchObject({ api: PROCESS, error_msg: expect.stringContaining('page cap reached') });
    } finally {
      stack.sim.fleet.setSessionCount(demo.busyHtapId, 250);
    }
  });

  it('a list failing on page 2: nothing of page 1 published, that HTAP instance down; whole again once it answers', async () => {
    let metrics = await tick(stack, 'htap_processes');
    expect(sessionsOf(metrics, demo.busyHtapId)).toBe(250);
    stack.sim.requests.clear();
    // armed by the request for page 2 itself, before the simulator picks its faults
    const restore = onRequest(stack, (entry) => {
      if (entry.api === PROCESS && entry.path.includes(demo.busyHtapId) && entry.query.offset === '100' && stack.sim.faults.list().length === 0) {
        stack.sim.faults.add({ api: PROCESS, instanceId: demo.busyHtapId, kind: 'status', status: 503 });
      }
    });
    try {
      metrics = await tick(stack, 'htap_processes');
    } finally {
      restore();
    }
    expectHtapDown(metrics, demo.busyHtapId);
    expect(requestsFor(stack, PROCESS, demo.busyHtapId).map((r) => [r.query.offset, r.status]))
      .toEqual([['0', 200], ['100', 503], ['100', 503], ['100', 503]]);
    expect(failureLogs(stack, demo.busyHtapId).at(-1)).toMatchObject({ api: PROCESS, status: 503 });
    stack.sim.faults.clear();
    metrics = await tick(stack, 'htap_processes');
    expect(up(metrics, 'htap_processes', demo.busyHtapId)).toBe(1);
    expect(sessionsOf(metrics, demo.busyHtapId)).toBe(250);
  });
});
