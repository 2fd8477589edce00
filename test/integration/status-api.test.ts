// /api/v1/targets through the real daemon against the simulator: a GaussDB instance fails with a
// documented error body, then recovers; the answer names it, says why and when, and sorts it first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collectors, RARELY, requestsFor, tick } from './faults-support.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

interface TargetJson {
  collector: string; target_id: string; name: string; instance_id: string; htap_instance_id: string | null;
  project_id: string; region: string; up: boolean; last_success: string | null; last_success_age_seconds: number | null;
  last_error: null | { api: string; http_status: number | null; error_code: string; error_msg: string; request_id: string; at: string };
}
interface CollectorJson {
  name: string; schedule: string; last_poll_started: string | null; last_poll_duration_seconds: number | null;
  next_poll: string | null; skipped_polls: number; targets: number; targets_up: number;
}
interface TargetsJson { schema_version: number; generated_at: string; collectors: CollectorJson[]; targets: TargetJson[] }

async function targets(): Promise<TargetsJson> {
  const response = await fetch(`${stack.daemon.url}/api/v1/targets`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await response.json()) as TargetsJson;
}

beforeAll(async () => {
  stack = await startStack({ name: 'status-api', overrides: { collectors: collectors(RARELY) } });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

describe('/api/v1/targets', () => {
  it('lists every collector with its schedule, its last poll and its next turn', async () => {
    const answer = await targets();
    expect(answer.schema_version).toBe(1);
    expect(answer.collectors.map((c) => c.name)).toEqual(['session_overview', 'htap_instances', 'htap_processes']);
    const project = stack.sim.fleet.projects[0];
    const starRocks = project?.taurusdb.flatMap((t) => t.htap).filter((h) => h.engine === 'star-rocks') ?? [];
    const expectedTargets = [project?.gaussdb.length, project?.taurusdb.length, starRocks.length];
    for (const [i, collector] of answer.collectors.entries()) {
      expect(collector.schedule).toBe(RARELY);
      expect(collector.targets).toBe(expectedTargets[i]);
      expect(collector.targets_up).toBe(expectedTargets[i]);
      expect(collector.skipped_polls).toBe(0);
      expect(collector.last_poll_duration_seconds).toBeGreaterThan(0);
      const next = new Date(collector.next_poll ?? '');
      // RARELY is Sundays at 03:00 (local time, as node-cron reads it)
      expect([next.getDay(), next.getHours(), next.getMinutes(), next.getSeconds()]).toEqual([0, 3, 0, 0]);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    }
    const htap = answer.targets.filter((t) => t.collector === 'htap_processes');
    expect(htap.map((t) => t.htap_instance_id).sort()).toEqual(starRocks.map((h) => h.id).sort());
    for (const target of htap) {
      const parent = project?.taurusdb.find((t) => t.htap.some((h) => h.id === target.htap_instance_id));
      expect(target).toMatchObject({ target_id: target.htap_instance_id, instance_id: parent?.id, name: parent?.name });
    }
  });

  it('puts a failing target first with its error, and keeps that error once it recovers', async () => {
    const project = stack.sim.fleet.projects[0];
    const victim = project?.gaussdb[2];
    if (!project || !victim) throw new Error('the demo fleet has GaussDB instances');
    const before = await targets();
    const okSince = before.targets.find((t) => t.target_id === victim.id)?.last_success;
    expect(okSince).not.toBeNull();

    const fault = stack.sim.faults.add({
      api: 'gaussdb_session_overview', instanceId: victim.id, kind: 'status', status: 404, errorCode: 'DBS.200022', errorMsg: 'Instance not found.',
    });
    await tick(stack, 'session_overview');
    fault.remove();
    const failed = await targets();
    const [first] = failed.targets;
    const requestId = requestsFor(stack, 'gaussdb_session_overview', victim.id).at(-1)?.requestId;
    expect(first).toEqual({
      collector: 'session_overview', target_id: victim.id, name: victim.name, instance_id: victim.id, htap_instance_id: null,
      project_id: project.projectId, region: project.region, up: false,
      last_success: okSince, last_success_age_seconds: expect.any(Number),
      last_error: {
        api: 'gaussdb_session_overview', http_status: 404, error_code: 'DBS.200022', error_msg: 'Instance not found.',
        request_id: requestId, at: failed.collectors[0]?.last_poll_started,
      },
    });
    expect(first?.last_success_age_seconds).toBeCloseTo((Date.parse(failed.generated_at) - Date.parse(okSince ?? '')) / 1000, 3);
    expect(failed.targets.slice(1).every((t) => t.up)).toBe(true);
    expect(failed.collectors[0]).toMatchObject({ targets: project.gaussdb.length, targets_up: project.gaussdb.length - 1 });

    await tick(stack, 'session_overview');
    const recovered = await targets();
    expect(recovered.targets.every((t) => t.up)).toBe(true);
    const again = recovered.targets.find((t) => t.target_id === victim.id);
    expect(again?.last_success).toBe(recovered.collectors[0]?.last_poll_started);
    expect(again?.last_error).toEqual(first?.last_error);
    expect(recovered.collectors[0]?.targets_up).toBe(project.gaussdb.length);
  });
});
