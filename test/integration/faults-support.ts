// Shared by the faults-*.test.ts suites: polling on demand, reading counters and the request
// log, and the checks every fault test ends with.
import { afterEach, beforeEach, expect } from '@jest/globals';
import cron from 'node-cron';
import type { DemoRoles } from '../../src/simulator/fleet.js';
import type { RequestRecord } from '../../src/simulator/server.js';
import { seriesOf, type ParsedExposition } from '../support/exposition.js';
import { linesWithSecrets } from '../support/logs.js';
import { startStack, type Stack } from '../support/stack.js';

export type Scrape = ParsedExposition & { text: string };

/**
 * A schedule that does not fire during a test (Sundays 03:00) for jobs run on demand by `tick`.
 * Not the stack's NEVER: the scheduler makes a job's interval its deadline, and a yearly interval
 * does not fit a timer (AbortSignal.timeout throws beyond 2^32-1 ms, and aborts at once beyond 2^31-1).
 */
export const RARELY = '0 0 3 * * 0';

/**
 * The `collectors` section with every collector on `schedule` (session_overview on its own, if
 * given). No grace: each fault's test sees what one failed poll does (the grace has its own test).
 */
export function collectors(schedule: string, sessionOverview = schedule): Record<string, unknown> {
  return {
    grace_polls: 0,
    session_overview: { schedule: sessionOverview },
    htap_instances: { schedule },
    htap_processes: { schedule, long_running_seconds: 60, by_user: true, by_database: true, by_host: true, max_label_values: 20 },
  };
}

/** A ready stack of the default fleet whose jobs run only when a test ticks them, and its demo roles. */
export async function startOnDemandStack(name: string): Promise<{ stack: Stack; demo: DemoRoles }> {
  const stack = await startStack({ name, overrides: { collectors: collectors(RARELY) } });
  await stack.ready();
  const demo = stack.sim.fleet.demo;
  if (!demo) {
    await stack.stop();
    throw new Error('the default fleet has demo roles');
  }
  return { stack, demo };
}

/** Polls every target once through a fresh runtime of the daemon's exporter, then scrapes. */
export async function pollNow(stack: Stack): Promise<Scrape> {
  await stack.daemon.exporter.pollOnce();
  return stack.scrape();
}

/**
 * Runs the running runtime's scheduled job `name` now, as if its schedule had fired, and resolves
 * when it has finished: the same client, limiter and token cache as the scheduled polls.
 */
export async function tick(stack: Stack, name: string): Promise<Scrape> {
  const tasks = [...cron.getTasks().values()].filter((task) => task.name === name);
  if (tasks.length !== 1) throw new Error(`${tasks.length} scheduled tasks named ${name}`);
  await tasks[0]?.execute();
  return stack.scrape();
}

/** Sum of the series of `family` matching `labels`; 0 when there is none (a counter not yet touched). */
export function sum(parsed: ParsedExposition, family: string, labels: Record<string, string> = {}): number {
  return [...seriesOf(parsed, family, labels).values()].reduce((a, b) => a + b, 0);
}

/** A target's health labels by its own id: an htap_processes target is known by its HTAP id. */
function healthLabels(collector: string, targetId: string): Record<string, string> {
  return collector === 'htap_processes' ? { collector, htap_instance_id: targetId } : { collector, instance_id: targetId };
}

export function up(parsed: ParsedExposition, collector: string, targetId: string): number | undefined {
  const found = seriesOf(parsed, 'huaweicloud_db_up', healthLabels(collector, targetId));
  return found.size === 1 ? [...found.values()][0] : undefined;
}

export function lastSuccess(parsed: ParsedExposition, collector: string, targetId: string): number | undefined {
  const found = seriesOf(parsed, 'huaweicloud_db_last_success_timestamp_seconds', healthLabels(collector, targetId));
  return found.size === 1 ? [...found.values()][0] : undefined;
}

/** Every series whose labels name `value` for `label` (e.g. every series of one HTAP instance). */
export function seriesNaming(parsed: ParsedExposition, label: string, value: string, prefix = 'huaweicloud_'): string[] {
  const needle = `${label}="${value}"`;
  return [...parsed.series.keys()].filter((key) => key.startsWith(prefix) && key.includes(needle));
}

/** The simulator's requests for one API whose path names `instanceId`, oldest first. */
export function requestsFor(stack: Stack, api: string, instanceId: string): RequestRecord[] {
  return stack.sim.requests.entries({ api }).filter((r) => r.path.includes(`/${instanceId}/`));
}

/** Records when the simulator received each request (its log has no clock). Undo with the result. */
export function timeRequests(stack: Stack): { at: (entry: RequestRecord) => number; restore: () => void } {
  const log = stack.sim.requests;
  const original = log.record.bind(log);
  const times = new WeakMap<RequestRecord, number>();
  log.record = (entry) => {
    times.set(entry, performance.now());
    original(entry);
  };
  return {
    at: (entry) => {
      const at = times.get(entry);
      if (at === undefined) throw new Error(`no time recorded for ${entry.path}`);
      return at;
    },
    restore: () => {
      log.record = original;
    },
  };
}

/** Calls `onRequest` as each request reaches the simulator, before any fault is chosen for it. */
export function onRequest(stack: Stack, onRequest: (entry: RequestRecord) => void): () => void {
  const log = stack.sim.requests;
  const original = log.record.bind(log);
  log.record = (entry) => {
    original(entry);
    onRequest(entry);
  };
  return () => {
    log.record = original;
  };
}

/** The failure lines of a target by its own id (an HTAP target's is its htap_instance_id). */
export function failureLogs(stack: Stack, targetId: string): Array<Record<string, unknown>> {
  return stack.logs.records().filter((r) => r.msg === 'target poll failed' && (r.htap_instance_id ?? r.instance_id) === targetId);
}

/** No configured secret and no IAM token (the simulator's all start with MIIsim) in the logs. */
/** The per-test hooks of a fault suite: a clean request log before each test; after each, no fault
 *  left armed and no secret in the logs. `stack` is read when the hooks run (beforeAll sets it). */
export function isolateTests(stack: () => Stack): void {
  beforeEach(() => {
    stack().sim.requests.clear();
  });
  afterEach(() => {
    stack().sim.faults.clear();
    expectNoSecrets(stack());
  });
}

export function expectNoSecrets(stack: Stack): void {
  expect(linesWithSecrets(stack.logs.lines(), [...stack.secrets, 'MIIsim'])).toEqual([]);
}
