// The product end to end: simulator → signed requests → collectors → snapshot → /metrics, with
// every value checked against the simulator's known fleet.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HtapInstance } from '../../src/simulator/fleet.js';
import { seriesOf, valueOf, type ParsedExposition } from '../support/exposition.js';
import { expectedSessions } from '../support/expected.js';
import { linesWithSecrets } from '../support/logs.js';
import { CONTRACT_FAMILIES } from '../support/contract.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let metrics: ParsedExposition & { text: string };

beforeAll(async () => {
  stack = await startStack({ name: 'integration-exporter' });
  await stack.ready();
  metrics = await stack.scrape();
});

afterAll(async () => {
  await stack.stop();
});

const demo = () => {
  const roles = stack.sim.fleet.demo;
  if (!roles) throw new Error('default fleet has no demo roles');
  return roles;
};

function htap(id: string): HtapInstance {
  const found = stack.sim.fleet.projects.flatMap((p) => p.taurusdb).flatMap((t) => t.htap).find((h) => h.id === id);
  if (!found) throw new Error(`no HTAP instance ${id}`);
  return found;
}

/** The label text of a series, e.g. {state="ok",command="query"} → "ok|query" for the given names. */
function keyed(series: Map<string, number>, ...labels: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [text, value] of series) {
    const parts = labels.map((label) => new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`).exec(text)?.[1] ?? '?');
    out.set(parts.join('|'), value);
  }
  return out;
}

describe('GaussDB session overview', () => {
  it('publishes each instance\'s four counts exactly, and its info', () => {
    const project = stack.sim.fleet.projects[0];
    expect(project?.gaussdb.length).toBeGreaterThanOrEqual(4);
    for (const instance of project?.gaussdb ?? []) {
      const labels = { instance_id: instance.id };
      expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', labels)).toBe(instance.overview.total);
      expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions_active', labels)).toBe(instance.overview.active);
      expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions_slow_sql', labels)).toBe(instance.overview.slowSql);
      expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions_lock_waiting', labels)).toBe(instance.overview.lockWaiting);
      expect(valueOf(metrics, 'huaweicloud_gaussdb_instance_info', { ...labels, name: instance.name, project_id: project?.projectId ?? '', region: 'ap-southeast-1' })).toBe(1);
      expect(valueOf(metrics, 'huaweicloud_db_up', { collector: 'session_overview', instance_id: instance.id })).toBe(1);
    }
    const locking = project?.gaussdb.find((g) => g.id === demo().lockingGaussDbId);
    expect(locking?.overview.lockWaiting).toBeGreaterThan(0);
  });
});

describe('TaurusDB HTAP instances', () => {
  it('publishes count, limit, info, status, nodes, frozen, restart pending and creation time', () => {
    for (const taurus of stack.sim.fleet.projects[0]?.taurusdb ?? []) {
      expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instances', { instance_id: taurus.id })).toBe(taurus.htap.length);
      expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instances_limit', { instance_id: taurus.id })).toBe(taurus.maxHtap);
      for (const h of taurus.htap) {
        const ids = { instance_id: taurus.id, htap_instance_id: h.id };
        expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instance_info', {
          ...ids, name: h.name, engine_name: h.engine, engine_version: h.engineVersion, ha_mode: h.haMode,
        })).toBe(1);
        expect(seriesOf(metrics, 'huaweicloud_taurusdb_htap_instance_status', ids)).toEqual(
          new Map([[`{instance_id="${taurus.id}",htap_instance_id="${h.id}",status="${h.status.toLowerCase()}"}`, 1]]));
        expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instance_nodes', ids)).toBe(h.nodeNum);
        expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instance_frozen', ids)).toBe(h.frozen ? 1 : 0);
        expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instance_restart_pending', ids)).toBe(h.waitRestart ? 1 : 0);
        expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instance_created_timestamp_seconds', ids)).toBe(h.createAt / 1000);
      }
    }
    const frozen = htap(demo().frozenHtapId);
    expect(frozen.frozen && frozen.waitRestart && frozen.status !== 'normal').toBe(true);
    expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_instances', { instance_id: demo().emptyTaurusId })).toBe(0);
  });
});

describe('HTAP sessions', () => {
  const settings = { longRunning: 60, max: 20 };

  it('pages the 250-session instance as 100 + 100 + 50', () => {
    const busy = demo().busyHtapId;
    expect(htap(busy).sessionCount).toBe(250);
    const pages = stack.sim.requests.entries({ api: 'taurusdb_htap_process' }).filter((r) => r.path.includes(busy));
    expect(pages.map((r) => [r.query.offset, r.query.limit])).toEqual([['0', '100'], ['100', '100'], ['200', '100']]);
    expect(pages.every((r) => r.status === 200)).toBe(true);
    const taurus = stack.sim.fleet.projects[0]?.taurusdb.find((t) => t.htap.some((h) => h.id === busy));
    expect(valueOf(metrics, 'huaweicloud_db_up', { collector: 'htap_processes', instance_id: taurus?.id ?? '', htap_instance_id: busy })).toBe(1);
  });

  it('counts sessions and longest durations per state and command, long-running and per user/database/host, exactly', () => {
    const starRocks = stack.sim.fleet.projects[0]?.taurusdb.flatMap((t) => t.htap.filter((h) => h.engine === 'star-rocks').map((h) => ({ t, h }))) ?? [];
    expect(starRocks.length).toBeGreaterThanOrEqual(3);
    for (const { t, h } of starRocks) {
      const ids = { instance_id: t.id, htap_instance_id: h.id };
      const expected = expectedSessions(h.sessions, settings.longRunning, settings.max);
      expect(keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions', ids), 'state', 'command')).toEqual(expected.sessions);
      expect(keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_session_max_duration_seconds', ids), 'state', 'command')).toEqual(expected.maxDuration);
      expect(valueOf(metrics, 'huaweicloud_taurusdb_htap_sessions_long_running', ids)).toBe(expected.longRunning);
      expect(keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions_by_user', ids), 'user')).toEqual(expected.byUser);
      expect(keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions_by_database', ids), 'database')).toEqual(expected.byDatabase);
      expect(keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions_by_host', ids), 'host')).toEqual(expected.byHost);
    }
  });

  it('counts as long-running on the busy instance only the busy sessions at least 60 s old, not the idle ones', () => {
    const busy = htap(demo().busyHtapId);
    const taurus = stack.sim.fleet.projects[0]?.taurusdb.find((t) => t.htap.includes(busy));
    const ids = { instance_id: taurus?.id ?? '', htap_instance_id: busy.id };
    const old = busy.sessions.filter((s) => s.duration >= settings.longRunning);
    const busyOld = old.filter((s) => !['sleep', 'daemon'].includes(s.command.trim().toLowerCase()));
    const value = valueOf(metrics, 'huaweicloud_taurusdb_htap_sessions_long_running', ids);
    // The demo's pool holds idle sessions older than a minute: counting them was the old figure.
    expect(old.length).toBeGreaterThan(busyOld.length);
    expect(busyOld.length).toBeGreaterThan(0);
    expect({ value, idleLeftOut: old.length - busyOld.length }).toEqual({ value: busyOld.length, idleLeftOut: old.length - value });
    // Never more than the busy sessions the state x command series count.
    const busySessions = [...seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions', ids)]
      .filter(([series]) => !/command="(sleep|daemon)"/.test(series)).reduce((sum, [, count]) => sum + count, 0);
    expect(value).toBeLessThanOrEqual(busySessions);
  });

  it('folds users past max_label_values into "other" on the busy instance, losing no session', () => {
    const busy = demo().busyHtapId;
    const byUser = keyed(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions_by_user', { htap_instance_id: busy }), 'user');
    expect(byUser.size).toBe(settings.max);
    expect(byUser.get('other')).toBeGreaterThan(0);
    expect([...byUser.values()].reduce((a, b) => a + b, 0)).toBe(250);
    const bySession = seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions', { htap_instance_id: busy });
    expect([...bySession.values()].reduce((a, b) => a + b, 0)).toBe(250);
  });

  it('polls no process list of a ClickHouse instance', () => {
    const clickhouse = demo().clickhouseHtapId;
    expect(stack.sim.requests.entries({ api: 'taurusdb_htap_process' }).some((r) => r.path.includes(clickhouse))).toBe(false);
    expect(seriesOf(metrics, 'huaweicloud_taurusdb_htap_sessions_long_running', { htap_instance_id: clickhouse }).size).toBe(0);
  });
});

describe('exposition', () => {
  it('has every family of the contract, typed gauge, and the exporter\'s own metrics', () => {
    for (const family of CONTRACT_FAMILIES) expect([family, metrics.types.get(family)]).toEqual([family, 'gauge']);
    expect(metrics.types.get('huaweicloud_db_exporter_api_requests_total')).toBe('counter');
    expect(metrics.types.get('huaweicloud_db_exporter_build_info')).toBe('gauge');
    expect(metrics.types.has('nodejs_active_handles_total')).toBe(false);
    // every request the first polls made is counted: 4 overviews, 3 /htap, 3 + 1 + 1 process pages
    expect(valueOf(metrics, 'huaweicloud_db_exporter_api_requests_total', { api: 'taurusdb_htap_process', code: '200' }))
      .toBe(stack.sim.requests.count('taurusdb_htap_process'));
  });

  it('wrote a poll summary per collector and no secret to the logs', () => {
    const summaries = stack.logs.records().filter((r) => r.msg === 'poll finished');
    expect(new Set(summaries.map((r) => r.collector))).toEqual(new Set(['session_overview', 'htap_instances', 'htap_processes']));
    expect(summaries.every((r) => r.failed === 0)).toBe(true);
    expect(linesWithSecrets(stack.logs.lines(), stack.secrets)).toEqual([]);
    expect(linesWithSecrets([metrics.text], stack.secrets)).toEqual([]);
  });
});
