// Reloads that cannot be abused: the lifecycle switch, coalescing, unchanged reloads that keep
// the pollers, and polls that commit however often reloads come, against the real daemon and
// simulator.
import { afterEach, describe, expect, it } from '@jest/globals';
import { valueOf } from '../support/exposition.js';
import { startStack, type Stack } from '../support/stack.js';
import { coalesced } from '../../src/daemon.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const LIFECYCLE = { web: { listen_address: '127.0.0.1:0', enable_lifecycle: true } };

async function post(s: Stack, path = '/-/reload'): Promise<number> {
  const response = await fetch(`${s.daemon.url}${path}`, { method: 'POST' });
  await response.arrayBuffer();
  return response.status;
}

describe('Reloads can be triggered by anyone, cross-site too, and each one re-polls everything', () => {
  it('POST /-/reload answers 403 unless web.enable_lifecycle is true, and reloads nothing', async () => {
    stack = await startStack({ name: 'reload-abuse-off' });
    await stack.ready();
    expect(await post(stack)).toBe(403);
    expect(stack.logs.records().filter((r) => r.msg === 'configuration reloaded')).toEqual([]);
    expect(await stack.daemon.reload()).toEqual([]); // what SIGHUP calls: always served
    expect(stack.logs.records().filter((r) => r.msg === 'configuration reloaded')).toHaveLength(1);
  });

  it('100 parallel POSTs after a change cost one poll of the fleet, not one per request', async () => {
    stack = await startStack({ name: 'reload-abuse-parallel', overrides: LIFECYCLE });
    await stack.ready();
    const onePoll = stack.sim.requests.count();
    const document = stack.configDocument();
    const project = (document.projects as Array<{ gaussdb: { instances: Array<{ id: string; name: string }> } }>)[0];
    const first = project?.gaussdb.instances[0];
    if (first) first.name = 'renamed';
    stack.writeConfig(document);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => post(stack as Stack)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    await stack.eventually((text) => text.includes('name="renamed"'));
    const polled = (): number => stack?.logs.records().filter((r) => r.msg === 'poll finished').length ?? 0;
    // three collectors polled at start-up, and once more after the change
    await stack.eventually(() => polled() >= 6);
    expect(polled()).toBe(6);
    expect(stack.sim.requests.count()).toBe(2 * onePoll);
    const reloads = stack.logs.records().filter((r) => r.msg === 'configuration reloaded').map((r) => r.pollers);
    expect(reloads[0]).toBe('restarted');
    expect(reloads.slice(1).every((pollers) => pollers === 'kept (polling unchanged)')).toBe(true);
  });

  it('a reload that changes nothing keeps the running pollers and their schedule', async () => {
    // every 2 s: a restarted poller would poll at once, off its schedule
    const everyTwo = { schedule: '*/2 * * * * *' };
    stack = await startStack({
      name: 'reload-abuse-schedule',
      overrides: { ...LIFECYCLE, collectors: { session_overview: everyTwo, htap_instances: everyTwo, htap_processes: everyTwo } },
    });
    await stack.ready();
    const polls = async (): Promise<number> => valueOf(await (stack as Stack).scrape(), 'huaweicloud_db_exporter_polls_total',
      { collector: 'session_overview', result: 'success' }) ?? 0;
    const before = await polls();
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect(await post(stack)).toBe(200);
    await new Promise((r) => setTimeout(r, 2500));
    // one poll per 2 s turn that passed (plus one for a turn under way): none for the five reloads
    const turns = Math.floor((Date.now() - started) / 2000) + 1;
    expect((await polls()) - before).toBeLessThanOrEqual(turns);
    expect(stack.logs.records().filter((r) => r.msg === 'configuration reloaded').map((r) => r.pollers))
      .toEqual(Array.from({ length: 5 }, () => 'kept (polling unchanged)'));
  });

  it('one POST a second against a slow cloud still commits polls', async () => {
    const everyTwo = { schedule: '*/2 * * * * *' };
    stack = await startStack({
      name: 'reload-abuse-slow',
      simulator: { latencyMs: 600 },
      overrides: { ...LIFECYCLE, collectors: { session_overview: everyTwo, htap_instances: everyTwo, htap_processes: everyTwo }, http: { timeout: '5s', retries: 0 } },
    });
    await stack.ready(15_000);
    const committed = (): number => stack?.logs.records().filter((r) => r.msg === 'poll finished' && r.collector === 'session_overview').length ?? 0;
    const before = committed();
    // a POST every second, whatever the answers do, each with a file that changes what is
    // polled (a name), so that every reload replaces the pollers
    const answers: Array<Promise<number>> = [];
    for (let i = 0; i < 8; i++) {
      const document = stack.configDocument();
      const project = (document.projects as Array<{ gaussdb: { instances: Array<{ id: string; name: string }> } }>)[0];
      const first = project?.gaussdb.instances[0];
      if (first) first.name = `renamed-${i}`;
      stack.writeConfig(document);
      answers.push(post(stack));
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(new Set(await Promise.all(answers))).toEqual(new Set([200]));
    expect(committed() - before).toBeGreaterThanOrEqual(3);
    const text = (await stack.scrape()).text;
    expect(text).toContain('name="renamed-');
    const upLines = text.split('\n').filter((l) => l.startsWith('huaweicloud_db_up{collector="session_overview"'));
    expect(upLines.length).toBe(stack.sim.fleet.projects[0]?.gaussdb.length);
    expect(upLines.every((l) => l.endsWith(' 1'))).toBe(true);
  }, 45_000);

  it('up cannot stay 1 while a target\'s data ages past two intervals without a completed poll', async () => {
    const everyTwo = { schedule: '*/2 * * * * *' };
    stack = await startStack({
      name: 'reload-abuse-stale',
      overrides: { collectors: { session_overview: everyTwo, htap_instances: everyTwo, htap_processes: everyTwo }, http: { timeout: '30s', retries: 0 } },
    });
    await stack.ready();
    const id = stack.sim.fleet.projects[0]?.gaussdb[0]?.id ?? '';
    const up = `huaweicloud_db_up{collector="session_overview",instance_id="${id}"}`;
    expect((await stack.scrape()).text).toContain(`${up} 1`);
    // the cloud now answers later than the request timeout allows a poll to wait: 30 s
    stack.sim.faults.add({ kind: 'latency', ms: 30_000, api: 'gaussdb_session_overview' });
    const since = Date.now();
    await stack.eventually((text) => text.includes(`${up} 0`), 8000);
    expect(Date.now() - since).toBeLessThanOrEqual(2 * 2000 + 1000);
  }, 20_000);
});

describe('coalesced reloads', () => {
  it('runs calls made while one runs as one more run, shared by all of them', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const reload = coalesced(async () => {
      runs += 1;
      await new Promise<void>((resolve) => { release = resolve; });
      return runs;
    });
    const first = reload();
    const waiting = Array.from({ length: 99 }, () => reload());
    release();
    expect(await first).toBe(1);
    await new Promise((r) => setImmediate(r));
    release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([2]));
    expect(runs).toBe(2);
  });
});
