// What changes between the soak's polls, all drawn from one seeded PRNG so that a run can be
// repeated: the fleet (instances appearing and disappearing, HTAP instances changing state,
// sessions coming and going as the clock moves) and the faults the simulator injects.
import type { FaultHandle, FaultKind, FaultSpec } from '../../src/simulator/faults.js';
import type { Fleet, Project } from '../../src/simulator/fleet.js';
import type { Simulator } from '../../src/simulator/server.js';

type Random = () => number;

/** Bounds that keep one poll of the whole fleet quick. */
const LIMITS = { gaussdbPerProject: 6, taurusdbPerProject: 3, htapPerTaurus: 2, sessionsPerHtap: 260 };

function pick<T>(items: readonly T[], random: Random): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export type MutationKind = 'gaussdb_added' | 'gaussdb_removed' | 'taurusdb_added' | 'taurusdb_removed' | 'htap_added' | 'htap_removed'
  | 'htap_changed' | 'sessions_resized';

/** Applies this round's fleet mutations; returns what it did. */
export function churnFleet(fleet: Fleet, random: Random, round: number): MutationKind[] {
  const done: MutationKind[] = [];
  const project = pick(fleet.projects, random) as Project;
  const taurusAll = fleet.projects.flatMap((p) => p.taurusdb);
  const htapAll = taurusAll.flatMap((t) => t.htap);
  const roll = random();
  if (roll < 0.05 && project.gaussdb.length < LIMITS.gaussdbPerProject) {
    fleet.addGaussDb(project.projectId, {
      name: `soak-gauss-${round}`,
      overview: { total: between(random, 0, 300), active: between(random, 0, 40), slowSql: between(random, 0, 3), lockWaiting: between(random, 0, 2) },
    });
    done.push('gaussdb_added');
  } else if (roll < 0.09 && project.gaussdb.length > 1) {
    fleet.removeGaussDb((pick(project.gaussdb, random) as { id: string }).id);
    done.push('gaussdb_removed');
  } else if (roll < 0.12 && project.taurusdb.length < LIMITS.taurusdbPerProject) {
    const taurus = fleet.addTaurusDb(project.projectId, { name: `soak-taurus-${round}`, maxHtap: between(random, 1, 10) });
    for (let i = between(random, 0, 2); i > 0; i--) fleet.addHtap(taurus.id, { sessionCount: between(random, 0, LIMITS.sessionsPerHtap) });
    done.push('taurusdb_added');
  } else if (roll < 0.14 && project.taurusdb.length > 1) {
    fleet.removeTaurusDb((pick(project.taurusdb, random) as { id: string }).id);
    done.push('taurusdb_removed');
  } else if (roll < 0.18) {
    const taurus = pick(taurusAll.filter((t) => t.htap.length < LIMITS.htapPerTaurus), random);
    if (taurus) {
      const starRocks = random() < 0.8;
      fleet.addHtap(taurus.id, {
        name: `soak-htap-${round}`,
        engine: starRocks ? 'star-rocks' : 'click-house',
        haMode: random() < 0.5 ? 'Cluster' : 'Single',
        ...(starRocks ? { sessionCount: between(random, 0, LIMITS.sessionsPerHtap) } : {}),
      });
      done.push('htap_added');
    }
  } else if (roll < 0.21) {
    const htap = pick(htapAll, random);
    if (htap) {
      fleet.removeHtap(htap.id);
      done.push('htap_removed');
    }
  } else if (roll < 0.26) {
    const htap = pick(htapAll, random);
    if (htap) {
      fleet.updateHtap(htap.id, {
        status: pick(['normal', 'abnormal', 'rebooting', 'Normal ', 'frozen'], random) as string,
        frozen: random() < 0.2,
        waitRestart: random() < 0.2,
        nodeNum: between(random, 1, 9),
      });
      done.push('htap_changed');
    }
  } else if (roll < 0.32) {
    const htap = pick(htapAll.filter((h) => h.engine === 'star-rocks'), random);
    if (htap) {
      fleet.setSessionCount(htap.id, between(random, 0, LIMITS.sessionsPerHtap));
      done.push('sessions_resized');
    }
  }
  // Time moves on every round: durations grow, short sessions end and new ones start, and the
  // GaussDB overviews wander.
  fleet.tick(between(random, 1, 30));
  return done;
}

/** For `omit_field` faults: a field of each API's SDK model that some series need. */
const OMITTED_FIELD = {
  gaussdb_session_overview: 'total_num',
  taurusdb_htap: 'instances[].node_num',
  taurusdb_htap_process: 'process_list[].duration',
  gaussdb_instances: 'instances[].name',
  taurusdb_instances: 'total_count',
} as const;

/** Draws and arms the simulator's faults; removes those that outlive `lifetimeRounds`. */
export class FaultInjector {
  readonly injected: Record<FaultKind | 'iam_outage', number> = {
    latency: 0, hang: 0, status: 0, throttle: 0, token_expired: 0, reset: 0, malformed_json: 0,
    wrong_types: 0, repeat_page: 0, oversized: 0, omit_field: 0, ignore_limit: 0, iam_outage: 0,
  };
  private readonly armed: Array<{ handle: FaultHandle; until: number }> = [];

  constructor(
    private readonly sim: Simulator,
    private readonly random: Random,
    /** the exporter's per-request timeout: latency faults fall either side of it */
    private readonly timeoutMs: number,
    private readonly lifetimeRounds = 3,
  ) {}

  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  /** Arms a fault with probability `rate`. */
  maybeInject(round: number, rate: number): void {
    this.expire(round);
    if (this.random() >= rate) return;
    const spec = this.draw();
    if (spec) this.arm(spec, round);
  }

  /** Arms a fault of the given kind now (the warm-up makes sure the costly ones happen early). */
  inject(kind: FaultKind, round: number): void {
    const spec = this.draw(kind);
    if (spec) this.arm(spec, round);
  }

  clear(): void {
    this.sim.faults.clear();
    this.armed.length = 0;
  }

  private arm(spec: FaultSpec, round: number): void {
    this.armed.push({ handle: this.sim.faults.add(spec), until: round + this.lifetimeRounds });
    if (spec.api === 'iam_token') this.injected.iam_outage++;
    else this.injected[spec.kind]++;
  }

  private expire(round: number): void {
    for (let i = this.armed.length - 1; i >= 0; i--) {
      const entry = this.armed[i];
      if (entry && (!entry.handle.active || entry.until <= round)) {
        entry.handle.remove();
        this.armed.splice(i, 1);
      }
    }
  }

  /** A fault on a random API and instance of the current fleet, used up after a few requests. */
  private draw(forced?: FaultKind): FaultSpec | undefined {
    const r = this.random;
    const fleet = this.sim.fleet;
    const gauss = fleet.projects.flatMap((p) => p.gaussdb);
    const taurus = fleet.projects.flatMap((p) => p.taurusdb);
    const starRocks = taurus.flatMap((t) => t.htap).filter((h) => h.engine === 'star-rocks');
    const times = between(r, 1, 3);
    if (!forced && r() < 0.05) return { api: 'iam_token', kind: 'status', status: 503, times };
    const kinds: Array<[FaultKind, number]> = [
      ['latency', 10], ['hang', 3], ['status', 14], ['throttle', 10], ['token_expired', 8], ['reset', 8],
      ['malformed_json', 8], ['wrong_types', 8], ['repeat_page', 6], ['oversized', 1], ['omit_field', 6], ['ignore_limit', 3],
    ];
    let kind = forced;
    if (!kind) {
      let x = r() * kinds.reduce((a, [, w]) => a + w, 0);
      for (const [k, w] of kinds) {
        if (x < w) {
          kind = k;
          break;
        }
        x -= w;
      }
    }
    const target = kind === 'repeat_page' || kind === 'ignore_limit'
      ? { api: 'taurusdb_htap_process' as const, instanceId: pick(starRocks, r)?.id }
      : pick([
        { api: 'gaussdb_session_overview' as const, instanceId: pick(gauss, r)?.id },
        { api: 'taurusdb_htap' as const, instanceId: pick(taurus, r)?.id },
        { api: 'taurusdb_htap_process' as const, instanceId: pick(starRocks, r)?.id },
        { api: 'gaussdb_instances' as const, instanceId: undefined },
        { api: 'taurusdb_instances' as const, instanceId: undefined },
      ], r);
    if (!target || !kind) return undefined;
    const where = { api: target.api, ...(target.instanceId !== undefined ? { instanceId: target.instanceId } : {}), times };
    switch (kind) {
      case 'latency': return { ...where, kind, ms: r() < 0.7 ? between(r, 2, this.timeoutMs / 2) : this.timeoutMs + 20 };
      case 'hang': return { ...where, kind, times: 1 };
      case 'status': return { ...where, kind, status: pick([500, 502, 503, 504, 400], r) as number };
      case 'throttle': return { ...where, kind, ...(r() < 0.5 ? { retryAfterSeconds: between(r, 0, 1) } : {}) };
      // just over the transport's 16 MiB cap: the cost of refusing it, not of streaming more
      case 'oversized': return { ...where, kind, bytes: 17 * 1024 * 1024, times: 1 };
      case 'omit_field': return { ...where, kind, field: OMITTED_FIELD[target.api], ...(r() < 0.5 ? { asNull: true } : {}) };
      default: return { ...where, kind };
    }
  }
}
