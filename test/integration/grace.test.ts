// collectors.grace_polls through the real daemon against the simulator: a target whose poll
// fails keeps its last good values on /metrics, with up 0 and its old success time, for that
// many failed polls in a row; then they go; a success brings fresh values back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seriesOf, valueOf } from '../support/exposition.js';
import { startStack, type Stack } from '../support/stack.js';
import { collectors, lastSuccess, RARELY, tick, up } from './faults-support.js';

const OVERVIEW = 'gaussdb_session_overview';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'integration-grace', overrides: { collectors: { ...collectors(RARELY), grace_polls: 2 } } });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

describe('grace_polls: 2', () => {
  it('keeps a failing GaussDB target\'s last values through two failed polls, drops them at the third, and refreshes on success', async () => {
    const [victim, other] = stack.sim.fleet.projects[0]?.gaussdb ?? [];
    if (!victim || !other) throw new Error('the demo fleet has GaussDB instances');
    const good = await tick(stack, 'session_overview');
    const total = valueOf(good, 'huaweicloud_gaussdb_sessions', { instance_id: victim.id });
    expect(total).toBe(victim.overview.total);
    const successAt = lastSuccess(good, 'session_overview', victim.id);

    stack.sim.faults.add({ api: OVERVIEW, instanceId: victim.id, kind: 'status', status: 403, errorCode: 'DBS.200001' });
    stack.sim.fleet.setOverview(other.id, { total: other.overview.total + 7 });
    for (const failed of [1, 2]) {
      const metrics = await tick(stack, 'session_overview');
      expect({ failed, up: up(metrics, 'session_overview', victim.id) }).toEqual({ failed, up: 0 });
      expect({ failed, kept: valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: victim.id }) }).toEqual({ failed, kept: total });
      expect(lastSuccess(metrics, 'session_overview', victim.id)).toBe(successAt);
      // The healthy target's values are fresh.
      expect(valueOf(metrics, 'huaweicloud_gaussdb_sessions', { instance_id: other.id })).toBe(other.overview.total);
    }
    const third = await tick(stack, 'session_overview');
    expect(seriesOf(third, 'huaweicloud_gaussdb_sessions', { instance_id: victim.id }).size).toBe(0);
    expect(up(third, 'session_overview', victim.id)).toBe(0);

    stack.sim.faults.clear();
    stack.sim.fleet.setOverview(victim.id, { total: victim.overview.total + 3 });
    const back = await tick(stack, 'session_overview');
    expect(up(back, 'session_overview', victim.id)).toBe(1);
    expect(valueOf(back, 'huaweicloud_gaussdb_sessions', { instance_id: victim.id })).toBe(victim.overview.total);
    expect(lastSuccess(back, 'session_overview', victim.id)).toBeGreaterThan(successAt ?? Infinity);
  });
});
