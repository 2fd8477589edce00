// Top sessions through the real daemon against the simulator: /api/v1/sessions and /sessions
// against a whole-list oracle computed from the simulator's fleet (its clock stands still here,
// so the list the exporter read is the list the fleet holds), the filter, and SQL text kept off
// /metrics and out of every log line.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Session } from '../../src/simulator/fleet.js';
import { collectors, RARELY, tick } from './faults-support.js';
import { startStack, type Stack } from '../support/stack.js';

const TOP = 12;
const SQL_CHARS = 60;
let stack: Stack;

interface SessionJson { id: string; user: string; host: string; database: string; command: string; state: string; duration_seconds: number; sql: string; sql_cut: boolean }
interface InstanceJson { htap_instance_id: string; instance_id: string; name: string; project_id: string; region: string; polled_at: string; sessions: SessionJson[] }
interface SessionsJson { schema_version: number; top_sessions: number; top_sessions_sql_chars: number; instances: InstanceJson[] }

async function sessions(query = ''): Promise<SessionsJson> {
  const response = await fetch(`${stack.daemon.url}/api/v1/sessions${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SessionsJson;
}

/** The N longest busy sessions by a sort of the whole list: idle commands are sleep and daemon after trim and lower case. */
function oracle(list: readonly Session[], n: number): SessionJson[] {
  return list
    .filter((s) => !['sleep', 'daemon'].includes(s.command.trim().toLowerCase()))
    .sort((a, b) => b.duration - a.duration || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, n)
    .map((s) => ({
      id: s.id, user: s.user, host: s.host, database: s.database, command: s.command, state: s.state, duration_seconds: s.duration,
      sql: s.sql.slice(0, SQL_CHARS), sql_cut: s.sql.length > SQL_CHARS,
    }));
}

beforeAll(async () => {
  const sections = collectors(RARELY) as Record<string, Record<string, unknown>>;
  sections.htap_processes = { ...sections.htap_processes, top_sessions: TOP, top_sessions_sql_chars: SQL_CHARS };
  stack = await startStack({ name: 'top-sessions', overrides: { collectors: sections } });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

describe('top sessions', () => {
  it('keeps per StarRocks instance exactly the N longest busy sessions of the whole list', async () => {
    const demo = stack.sim.fleet.demo;
    const busy = stack.sim.fleet.htap(demo?.busyHtapId ?? '');
    if (!demo || !busy) throw new Error('the default fleet has a busy HTAP instance');
    expect(busy.sessions).toHaveLength(250);
    await tick(stack, 'htap_processes');
    const answer = await sessions();
    expect(answer).toMatchObject({ schema_version: 1, top_sessions: TOP, top_sessions_sql_chars: SQL_CHARS });
    const starRocks = [demo.busyHtapId, demo.smallHtapId, demo.frozenHtapId];
    expect(answer.instances.map((i) => i.htap_instance_id).sort()).toEqual([...starRocks].sort());
    for (const id of starRocks) {
      const instance = answer.instances.find((i) => i.htap_instance_id === id);
      expect(instance?.sessions).toEqual(oracle(stack.sim.fleet.htap(id)?.sessions ?? [], TOP));
    }
    const orders = answer.instances.find((i) => i.htap_instance_id === demo.busyHtapId);
    expect(orders).toMatchObject({ instance_id: demo.ordersTaurusId, name: 'orders', project_id: demo.projectId, region: demo.region });
    // the busy instance has more busy sessions than N, some of them with SQL longer than the cut
    expect(oracle(busy.sessions, 1000).length).toBeGreaterThan(TOP);
    expect(orders?.sessions.some((s) => s.sql_cut)).toBe(true);
  });

  it('narrows to one instance with htap_instance_id, and shows the same on /sessions, escaped', async () => {
    const demo = stack.sim.fleet.demo;
    const one = await sessions(`?htap_instance_id=${demo?.smallHtapId}`);
    expect(one.instances.map((i) => i.htap_instance_id)).toEqual([demo?.smallHtapId]);
    expect((await sessions('?htap_instance_id=nope')).instances).toEqual([]);
    const page = await fetch(`${stack.daemon.url}/sessions?htap_instance_id=${demo?.busyHtapId}`);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    const html = await page.text();
    const [longest] = oracle(stack.sim.fleet.htap(demo?.busyHtapId ?? '')?.sessions ?? [], 1);
    const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    expect(html).toContain(`<td class="id">${longest?.id}</td><td>${escaped(longest?.user ?? '')}</td>`);
    expect(html).toContain(`<pre>${escaped(longest?.sql ?? '')}`);
    expect(html).not.toContain(demo?.smallHtapId);
  });

  it('never puts SQL text or a session id on /metrics or in a log line', async () => {
    const demo = stack.sim.fleet.demo;
    // a failing page too, so that failure lines are in the logs as well
    stack.sim.faults.add({ api: 'taurusdb_htap_process', instanceId: demo?.smallHtapId, kind: 'status', status: 500, times: 3 });
    await tick(stack, 'htap_processes');
    stack.sim.faults.clear();
    const metrics = await (await fetch(`${stack.daemon.url}/metrics`)).text();
    const logs = stack.logs.lines();
    expect(logs.some((line) => line.includes('target poll failed') && line.includes(demo?.smallHtapId ?? '?'))).toBe(true);
    const shown = (await sessions()).instances.flatMap((i) => i.sessions);
    expect(shown.length).toBeGreaterThan(TOP);
    expect(shown.every((s) => s.sql !== '')).toBe(true);
    for (const session of shown) {
      expect(metrics.includes(session.sql)).toBe(false);
      expect(metrics.includes(`="${session.id}"`)).toBe(false);
      expect(logs.filter((line) => line.includes(session.sql) || line.includes(`"${session.id}"`))).toEqual([]);
    }
  });
});
