// A shortened soak run (tools/soak/soak.ts): a few hundred polls of every collector against a
// churning, faulty simulated fleet, then a final clean poll that must match the fleet exactly,
// with memory, sockets, timers, unhandled rejections and log secrets checked on the way.
import { describe, expect, it } from '@jest/globals';
import { runSoak } from '../../tools/soak/soak.js';

describe('soak', () => {
  it('survives 100 rounds (300 collector polls) of churn and random faults, and ends with /metrics matching the fleet', async () => {
    // a smaller fleet than the full run's, so that the rounds are quick; churn makes it grow
    const report = await runSoak({ polls: 100, seconds: 20, seed: 7, fleet: { gaussdbPerProject: 2, taurusdbPerProject: 1, sessionsPerHtap: 60 } });
    // the whole report on failure, to see what went wrong
    expect(report.failures).toEqual([]);
    expect(report.pass).toBe(true);
    expect(report.collectorPolls).toBeGreaterThanOrEqual(200);
    expect(report.faultsInjected.total).toBeGreaterThan(10);
    expect(Object.values(report.fleetMutations).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(report.series.expected).toBeGreaterThan(100);
    expect(report.series).toMatchObject({ found: report.series.expected, matching: report.series.expected });
    expect(report.finalPoll.up).toBe(report.finalPoll.targets);
    expect(report.unhandledRejections).toBe(0);
    expect(report.logLines.withSecrets).toBe(0);
  }, 60_000);
});
