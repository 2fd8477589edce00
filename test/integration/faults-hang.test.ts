// One GaussDB instance never answers, among healthy ones, with session_overview on a real
// every-second schedule (so each poll's deadline is 900 ms, nine tenths of the interval) and
// http.timeout 700ms with 2 retries (left alone, the hung request would take three timeouts, 2.1 s
// and more): every poll ends by its deadline, the healthy instances are fresh after every poll,
// the hung one is down, and at most the one turn that falls due as a poll reaches its deadline is
// skipped.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../support/stack.js';
import { collectors, expectNoSecrets, failureLogs, lastSuccess, RARELY, sum, up } from './faults-support.js';

const DEADLINE_MS = 900;
const TIMEOUT_MS = 700;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'faults-hang',
    overrides: { collectors: collectors(RARELY, '* * * * * *'), http: { timeout: `${TIMEOUT_MS}ms`, retries: 2, concurrency: 8 } },
  });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

const finishedPolls = () => stack.logs.records().filter((r) => r.msg === 'poll finished' && r.collector === 'session_overview');

describe('a hanging instance', () => {
  it('is down after each poll, which ends by its deadline, while the healthy instances advance on every poll', async () => {
    const [victim, ...healthy] = (stack.sim.fleet.projects[0]?.gaussdb ?? []).map((g) => g.id);
    if (!victim || healthy.length === 0) throw new Error('the demo fleet has four GaussDB instances');
    await stack.eventually((text) => text.includes(`huaweicloud_db_up{collector="session_overview",instance_id="${victim}"} 1`));
    const before = await stack.scrape();
    const finishedBefore = finishedPolls().length;
    stack.sim.faults.add({ api: 'gaussdb_session_overview', instanceId: victim, kind: 'hang' });

    // Watch /metrics until two polls have run entirely under the fault (a poll under way when
    // it was added may have been answered already).
    const freshness = new Map<string, Set<number>>(healthy.map((id) => [id, new Set<number>()]));
    const watchUntil = Date.now() + 8000;
    let hungPolls: Array<Record<string, unknown>> = [];
    let metrics = before;
    let victimLastSuccess: number | undefined;
    while (Date.now() < watchUntil) {
      // the log line follows the commit: a poll logged is a poll the next scrape shows
      hungPolls = finishedPolls().slice(finishedBefore).filter((r) => r.failed === 1);
      metrics = await stack.scrape();
      if (hungPolls.length > 0) {
        expect(up(metrics, 'session_overview', victim)).toBe(0);
        // the time of its last success before the fault, whichever poll that was
        victimLastSuccess ??= lastSuccess(metrics, 'session_overview', victim);
        expect(victimLastSuccess).toBeGreaterThan(0);
        expect(lastSuccess(metrics, 'session_overview', victim)).toBe(victimLastSuccess);
        for (const id of healthy) {
          expect([id, up(metrics, 'session_overview', id)]).toEqual([id, 1]);
          freshness.get(id)?.add(lastSuccess(metrics, 'session_overview', id) ?? 0);
        }
      }
      if (hungPolls.length >= 2) break;
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(hungPolls.length).toBeGreaterThanOrEqual(2);
    for (const poll of hungPolls) {
      // at least one request timeout, and cut at the deadline: far short of the three timeouts
      // (plus backoff) the retries would take without it, with room for a loaded machine
      expect(poll.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(poll.duration_ms).toBeLessThan(DEADLINE_MS + 700);
      expect(poll).toMatchObject({ targets: 4, failed: 1 });
    }
    // every committed poll gave each healthy instance a new last-success time
    for (const id of healthy) expect(freshness.get(id)?.size).toBeGreaterThanOrEqual(hungPolls.length);
    // a poll ending at its deadline can overlap only the one turn falling due at that moment
    const skipped = sum(metrics, 'huaweicloud_db_exporter_polls_skipped_total', { collector: 'session_overview' })
      - sum(before, 'huaweicloud_db_exporter_polls_skipped_total', { collector: 'session_overview' });
    expect(skipped).toBeLessThanOrEqual(hungPolls.length + 1);
    expect(failureLogs(stack, victim).at(-1)).toMatchObject({
      api: 'gaussdb_session_overview', code: expect.stringMatching(/^(ETIMEDOUT|ERR_ABORTED)$/),
    });
    expectNoSecrets(stack);
  });
});
