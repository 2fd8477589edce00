import { describe, expect, it } from '@jest/globals';
import { Fleet, type Session } from '../../src/simulator/fleet.js';
import { processItem } from '../../src/simulator/wire.js';

/** Everything observable about a fleet, for comparing two of them. */
function snapshot(fleet: Fleet): unknown {
  return fleet.projects.map((p) => ({
    ...p,
    taurusdb: p.taurusdb.map((t) => ({
      ...t,
      htap: t.htap.map((h) => ({ id: h.id, name: h.name, status: h.status, createAt: h.createAt, sessions: h.sessions })),
    })),
  }));
}

describe('Fleet', () => {
  it('is deterministic: the same seed gives the same fleet, another seed another one', () => {
    const a = Fleet.create(1);
    const b = Fleet.create(1);
    expect(snapshot(a)).toEqual(snapshot(b));
    a.tick();
    b.tick();
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(Fleet.create(2).projects[0]?.projectId).not.toBe(a.projects[0]?.projectId);
  });

  it('has the documented default (demo) fleet', () => {
    const fleet = Fleet.create();
    const demo = fleet.demo;
    if (!demo) throw new Error('no demo roles');
    expect(fleet.projects).toHaveLength(1);
    const project = fleet.projects[0];
    expect(project?.region).toBe('ap-southeast-1');
    expect(project?.projectId).toMatch(/^[0-9a-f]{32}$/);
    expect(project?.gaussdb).toHaveLength(4);
    for (const g of project?.gaussdb ?? []) expect(g.id).toMatch(/^[0-9a-f]{32}in14$/);
    expect(project?.taurusdb.map((t) => t.htap.length)).toEqual([3, 1, 0]);
    for (const t of project?.taurusdb ?? []) expect(t.id).toMatch(/^[0-9a-f]{32}in07$/);

    const locking = fleet.gaussdb(demo.lockingGaussDbId);
    expect(locking?.overview.lockWaiting).toBeGreaterThan(0);
    expect(locking?.overview.slowSql).toBeGreaterThan(0);

    const orders = fleet.taurusdb(demo.ordersTaurusId);
    expect(orders?.htap.map((h) => h.engine).sort()).toEqual(['click-house', 'star-rocks', 'star-rocks']);
    const frozen = fleet.htap(demo.frozenHtapId);
    expect(frozen).toMatchObject({ frozen: true, waitRestart: true, engine: 'star-rocks' });
    expect(frozen?.status).not.toBe('normal');
    expect(fleet.taurusdb(demo.emptyTaurusId)?.htap).toEqual([]);
    expect(fleet.htap(demo.busyHtapId)?.id).toMatch(/^[0-9a-f]{32}in17$/);
    expect(fleet.sessionTotal()).toBeGreaterThanOrEqual(200);
  });

  it('gives the busy HTAP instance exactly 250 messy sessions', () => {
    const fleet = Fleet.create();
    const busy = fleet.htap(fleet.demo?.busyHtapId ?? '');
    const sessions = busy?.sessions ?? [];
    expect(sessions).toHaveLength(250);
    expect(new Set(sessions.map((s) => s.id)).size).toBe(250);
    expect(new Set(sessions.map((s) => s.user)).size).toBeGreaterThan(20);
    const states = new Set(sessions.map((s) => s.state));
    expect(states.has('')).toBe(true);
    expect([...states].some((s) => s !== s.trim())).toBe(true);
    expect([...states].some((s) => s.trim() !== '' && s === s.toLowerCase())).toBe(true);
    const commands = new Set(sessions.map((s) => s.command));
    for (const c of ['Query', 'Sleep', 'Daemon', '']) expect(commands.has(c)).toBe(true);
    expect(sessions.some((s) => s.database === '')).toBe(true);
    for (const s of sessions) expect(s.host).toMatch(/^10\.0\.\d+\.\d+:\d+$/);
    const durations = sessions.map((s) => s.duration);
    expect(Math.min(...durations)).toBeLessThan(60);
    expect(Math.max(...durations)).toBeGreaterThan(3600);
    const wire = sessions.map(processItem);
    expect(wire.some((w) => typeof w['duration'] === 'string')).toBe(true);
    expect(wire.some((w) => typeof w['duration'] === 'number')).toBe(true);
    for (const w of wire) expect(Number(w['duration'])).toBeGreaterThanOrEqual(0);
  });

  it('moves with tick(): durations grow, sessions end and start, overviews change', () => {
    const fleet = Fleet.create();
    const busy = fleet.htap(fleet.demo?.busyHtapId ?? '');
    if (!busy) throw new Error('no busy instance');
    const before = new Map(busy.sessions.map((s) => [s.id, s]));
    const overviews = JSON.stringify(fleet.projects[0]?.gaussdb.map((g) => g.overview));
    fleet.tick(10);
    expect(fleet.clock).toBe(10);
    expect(fleet.ticks).toBe(1);
    const after = busy.sessions;
    expect(after).toHaveLength(250);
    const kept = after.filter((s) => before.has(s.id));
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length).toBeLessThan(250);
    for (const s of kept) expect(s.duration).toBe((before.get(s.id) as Session).duration + 10);
    let changed = false;
    for (let i = 0; i < 5 && !changed; i++) {
      fleet.tick();
      changed = JSON.stringify(fleet.projects[0]?.gaussdb.map((g) => g.overview)) !== overviews;
    }
    expect(changed).toBe(true);
    for (const g of fleet.projects[0]?.gaussdb ?? []) {
      expect(g.overview.active).toBeLessThanOrEqual(g.overview.total);
      expect(g.overview.slowSql).toBeLessThanOrEqual(g.overview.active);
    }
  });

  it('lets tests churn the fleet', () => {
    const fleet = Fleet.create();
    const pid = fleet.demo?.projectId ?? '';
    const g = fleet.addGaussDb(pid, { name: 'new-gauss', overview: { total: 7, active: 3 } });
    expect(fleet.gaussdb(g.id)?.overview).toEqual({ total: 7, active: 3, slowSql: 0, lockWaiting: 0 });
    expect(fleet.projectOf(g.id)?.projectId).toBe(pid);
    fleet.setOverview(g.id, { lockWaiting: 2 });
    expect(fleet.gaussdb(g.id)?.overview.lockWaiting).toBe(2);
    expect(fleet.removeGaussDb(g.id)).toBe(true);
    expect(fleet.gaussdb(g.id)).toBeUndefined();
    expect(fleet.removeGaussDb(g.id)).toBe(false);

    const taurusId = fleet.demo?.emptyTaurusId ?? '';
    const h = fleet.addHtap(taurusId, { name: 'fresh', sessionCount: 3 });
    expect(fleet.taurusdb(taurusId)?.htap.map((x) => x.id)).toEqual([h.id]);
    expect(fleet.taurusOf(h.id)?.id).toBe(taurusId);
    expect(h.sessions).toHaveLength(3);
    const fixed: Session[] = [{ id: '7', user: 'u', host: '10.0.0.1:1', state: 'OK', database: 'd', sql: 'select 1', duration: 5, command: 'Query' }];
    fleet.setSessions(h.id, fixed);
    fleet.tick();
    expect(fleet.htap(h.id)?.sessions).toEqual(fixed);
    fleet.setSessionCount(h.id, 120);
    expect(fleet.htap(h.id)?.page(100, 100)).toHaveLength(20);
    fleet.updateHtap(h.id, { status: 'rebooting', nodeNum: 9 });
    expect(fleet.htap(h.id)).toMatchObject({ status: 'rebooting', nodeNum: 9 });
    expect(fleet.removeHtap(h.id)).toBe(true);
    expect(fleet.htap(h.id)).toBeUndefined();

    expect(fleet.removeTaurusDb(fleet.demo?.ordersTaurusId ?? '')).toBe(true);
    expect(fleet.htap(fleet.demo?.busyHtapId ?? '')).toBeUndefined();
    expect(() => fleet.addHtap('nope', {})).toThrow(/no TaurusDB/);
  });

  it('generates a benchmark-sized fleet quickly without materialising sessions', () => {
    const started = Date.now();
    const fleet = Fleet.create(7, { gaussdbPerProject: 1000, taurusdbPerProject: 500, htapPerTaurus: 1, sessionsPerHtap: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fleet.demo).toBeUndefined();
    expect(fleet.projects[0]?.gaussdb).toHaveLength(1000);
    expect(fleet.projects[0]?.taurusdb).toHaveLength(500);
    expect(fleet.sessionTotal()).toBe(500_000);
    const h = fleet.projects[0]?.taurusdb[499]?.htap[0];
    expect(h?.page(900, 100)).toHaveLength(100);
    expect(h?.sessionAt(999)).toEqual(h?.sessionAt(999));
    const two = Fleet.create(7, { projects: 2, gaussdbPerProject: 1 });
    expect(two.projects.map((p) => p.region)).toEqual(['ap-southeast-1', 'cn-north-4']);
  });
});
