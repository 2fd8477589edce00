// The simulated cloud's state: projects holding GaussDB instances (with session overviews) and
// TaurusDB instances (with HTAP instances and their sessions). Pure and deterministic: the same
// seed and the same calls give the same fleet, so tests and demos are reproducible.
//
// Generated HTAP sessions are not stored: session `i` of an instance is a pure function of
// (instance seed, i, clock), so a benchmark fleet of 500,000 sessions costs no memory until a
// page of it is served.

export interface FleetSpec {
  projects: number;
  gaussdbPerProject: number;
  taurusdbPerProject: number;
  htapPerTaurus: number;
  sessionsPerHtap: number;
}

export const DEFAULT_FLEET_SPEC: FleetSpec = {
  projects: 1,
  gaussdbPerProject: 4,
  taurusdbPerProject: 3,
  htapPerTaurus: 1,
  sessionsPerHtap: 50,
};

export interface Overview {
  active: number;
  total: number;
  slowSql: number;
  lockWaiting: number;
}

/** What the list APIs say of an instance's ownership: its enterprise project ("0" is the default one) and tags. */
export interface Ownership {
  enterpriseProjectId: string;
  tags: Array<{ key: string; value: string }>;
}

export interface GaussDbInstance extends Ownership {
  id: string;
  name: string;
  /** list API status, e.g. ACTIVE */
  status: string;
  overview: Overview;
  /** the level the overview wanders around on each tick */
  baseline: Overview;
}

export type HtapEngine = 'star-rocks' | 'click-house';

export interface Session {
  id: string;
  user: string;
  /** client address with port, e.g. 10.0.3.7:53122 */
  host: string;
  state: string;
  database: string;
  sql: string;
  /** seconds */
  duration: number;
  command: string;
  /** on the wire as a number or as a numeric string (the type changed between API versions);
   *  decided from the id when unset */
  durationAsString?: boolean;
}

export interface TaurusDbInstance extends Ownership {
  id: string;
  name: string;
  /** list API status, e.g. ACTIVE */
  status: string;
  maxHtap: number;
  htap: HtapInstance[];
}

export interface Project {
  projectId: string;
  region: string;
  gaussdb: GaussDbInstance[];
  taurusdb: TaurusDbInstance[];
}

/** Ids of the default (demo) fleet's notable instances, for tests and docs. */
export interface DemoRoles {
  projectId: string;
  region: string;
  /** GaussDB instance with lock-waiting and slow-SQL sessions */
  lockingGaussDbId: string;
  gaussDbIds: string[];
  /** TaurusDB with two StarRocks and one ClickHouse HTAP instance */
  ordersTaurusId: string;
  /** TaurusDB whose only HTAP instance is frozen and waiting for a restart */
  billingTaurusId: string;
  /** TaurusDB with no HTAP instance */
  emptyTaurusId: string;
  /** StarRocks HTAP instance with exactly 250 sessions */
  busyHtapId: string;
  smallHtapId: string;
  clickhouseHtapId: string;
  frozenHtapId: string;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** 32-bit hash of the parts (FNV-1a, then a murmur3 finaliser for avalanche). */
export function hash32(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : `$${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x7c;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex32(next: () => number): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += Math.floor(next() * 4294967296).toString(16).padStart(8, '0');
  return out;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.min(items.length - 1, Math.floor(r * items.length))] as T;
}

/** Picks from [value, weight] pairs with r in [0, 1). */
function weighted<T>(items: ReadonlyArray<readonly [T, number]>, r: number): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = r * total;
  for (const [value, w] of items) {
    if (x < w) return value;
    x -= w;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

// ---------------------------------------------------------------------------------------------
// Session vocabulary: deliberately messy, as real process lists are

const USERS = [
  'app_orders', 'app_billing', 'bi_reader', 'etl_loader', 'root', 'dashboard', 'report_svc', 'analyst_li',
  'analyst_wang', 'analyst_chen', 'grafana', 'airflow', 'spark_job', 'flink_sink', 'superset', 'tableau',
  'audit', 'backup', 'ops_admin', 'dev_zhang', 'dev_liu', 'dev_zhao', 'qa_runner', 'datahub', 'metabase',
  'jupyter', 'cron_export', 'partner_api', 'mobile_api', 'ml_features',
] as const;

const STATES: ReadonlyArray<readonly [string, number]> = [
  ['OK', 40], [' ok ', 6], ['ok', 6], ['', 22], ['EOF', 8], ['Sleep', 6], ['ERR', 3], ['Waiting', 4], ['OK ', 5],
];
const COMMANDS: ReadonlyArray<readonly [string, number]> = [
  ['Query', 45], ['Sleep', 35], ['Daemon', 4], ['', 6], ['query', 4], ['Connect', 3], [' Sleep', 3],
];
const DATABASES: ReadonlyArray<readonly [string, number]> = [
  ['orders', 30], ['analytics', 25], ['sys', 8], ['', 15], ['information_schema', 5], ['billing', 10], ['Orders', 3], ['tpch_100', 4],
];
const SQL = [
  'SELECT count(*) FROM orders WHERE created_at >= now() - INTERVAL 1 DAY',
  'SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id ORDER BY total DESC LIMIT 100',
  "SELECT * FROM payments WHERE status = 'pending' AND note LIKE '%refund%'",
  'INSERT INTO daily_sales SELECT date(created_at), sum(amount) FROM orders GROUP BY 1',
  'show full processlist',
  'SELECT /* dashboard: revenue */ region, avg(latency_ms)\nFROM requests\nWHERE ts > now() - INTERVAL 5 MINUTE\nGROUP BY region',
  "SELECT name FROM products WHERE name = '测试商品' -- unicode literal",
  'WITH recent AS (SELECT * FROM events WHERE ts > now() - INTERVAL 1 HOUR) SELECT type, count(*) FROM recent GROUP BY type',
  `SELECT ${Array.from({ length: 120 }, (_, i) => `col_${i}`).join(', ')} FROM wide_table WHERE id IN (${Array.from({ length: 200 }, (_, i) => i).join(',')})`,
  'SELECT l_returnflag, l_linestatus, sum(l_quantity) FROM lineitem GROUP BY l_returnflag, l_linestatus',
];

/** Session i of a generated HTAP instance at `clock` seconds. Each slot runs a sequence of
 *  sessions ("generations"); a session's duration is its age, so durations grow as the clock
 *  moves, and when a slot's period ends its session ends and a new one (new id) starts. */
export function generatedSession(sessionSeed: number, count: number, i: number, clock: number): Session {
  const slot = hash32(sessionSeed, i);
  const kind = slot % 100;
  const h2 = hash32(sessionSeed, i, 'period');
  // Mostly short sessions that churn, some minutes long, a few running for hours.
  const period = kind < 55 ? 5 + (h2 % 175) : kind < 85 ? 180 + (h2 % 3420) : 3600 + (h2 % 18000);
  const phase = hash32(sessionSeed, i, 'phase') % period;
  const t = Math.floor(clock) + phase;
  const gen = Math.floor(t / period);
  const age = t - gen * period;
  const r = rng(hash32(sessionSeed, i, gen));
  // With enough sessions, the first slots each own a distinct user, so every user stays present
  // (the exporter's `other` folding needs more than 20 of them); the rest are skewed to a few.
  const user = count >= 2 * USERS.length && i < USERS.length
    ? (USERS[i] as string)
    : pick(USERS, Math.pow(r(), 2.2));
  const command = weighted(COMMANDS, r());
  const idle = command.trim().toLowerCase() === 'sleep' || command === 'Daemon';
  const state = idle && r() < 0.7 ? '' : weighted(STATES, r());
  const ipHost = hash32(user) % 12;
  const host = `10.0.${ipHost % 4}.${7 + ipHost * 9}:${32768 + Math.floor(r() * 28000)}`;
  return {
    id: String(1000 + gen * count + i),
    user,
    host,
    state,
    database: weighted(DATABASES, r()),
    sql: idle ? '' : pick(SQL, r()),
    duration: age,
    command,
    durationAsString: r() < 0.25,
  };
}

/** Whether a session's duration goes on the wire as a numeric string. */
export function durationIsString(session: Session): boolean {
  return session.durationAsString ?? hash32(session.id, 'duration-type') % 4 === 0;
}

// ---------------------------------------------------------------------------------------------
// HTAP instances

export interface HtapInit {
  id?: string;
  name?: string;
  engine?: HtapEngine;
  engineVersion?: string;
  status?: string;
  haMode?: 'Cluster' | 'Single';
  nodeNum?: number;
  frozen?: boolean;
  waitRestart?: boolean;
  createAt?: number;
  /** generated sessions (default 20 for StarRocks, 0 for ClickHouse) */
  sessionCount?: number;
  /** fixed sessions instead of generated ones */
  sessions?: Session[];
}

export class HtapInstance {
  id: string;
  name: string;
  engine: HtapEngine;
  engineVersion: string;
  /** instance_state.instance_status: normal, abnormal, creating, rebooting... */
  status: string;
  haMode: 'Cluster' | 'Single';
  nodeNum: number;
  frozen: boolean;
  waitRestart: boolean;
  /** creation time, ms since the epoch */
  createAt: number;
  /** seeds the generated sessions (and the wire-only details such as node ids) */
  readonly sessionSeed: number;
  private generatedCount: number;
  private fixed: Session[] | undefined;
  private cache: { clock: number; sessions: Session[] } | undefined;

  constructor(private readonly clock: () => number, init: Required<Omit<HtapInit, 'sessions'>> & { sessions?: Session[] }) {
    this.id = init.id;
    this.name = init.name;
    this.engine = init.engine;
    this.engineVersion = init.engineVersion;
    this.status = init.status;
    this.haMode = init.haMode;
    this.nodeNum = init.nodeNum;
    this.frozen = init.frozen;
    this.waitRestart = init.waitRestart;
    this.createAt = init.createAt;
    this.sessionSeed = hash32(init.id, 'sessions');
    this.generatedCount = init.sessionCount;
    this.fixed = init.sessions ? [...init.sessions] : undefined;
  }

  get sessionCount(): number {
    return this.fixed ? this.fixed.length : this.generatedCount;
  }

  /** Sessions generated from the seed and the clock (not a fixed list). */
  get generated(): boolean {
    return this.fixed === undefined;
  }

  /** Session `i` now, without materialising the others. */
  sessionAt(i: number): Session | undefined {
    if (i < 0 || i >= this.sessionCount) return undefined;
    if (this.fixed) return this.fixed[i];
    return generatedSession(this.sessionSeed, this.generatedCount, i, this.clock());
  }

  /** Sessions [offset, offset + limit) now. */
  page(offset: number, limit: number): Session[] {
    const end = Math.min(this.sessionCount, offset + limit);
    const out: Session[] = [];
    for (let i = Math.max(0, offset); i < end; i++) out.push(this.sessionAt(i) as Session);
    return out;
  }

  /** Every session now (materialised; cached until the clock moves). */
  get sessions(): Session[] {
    if (this.fixed) return this.fixed;
    const now = this.clock();
    if (!this.cache || this.cache.clock !== now) this.cache = { clock: now, sessions: this.page(0, this.generatedCount) };
    return this.cache.sessions;
  }

  /** Fixed sessions from now on (kept as given across ticks). */
  setSessions(sessions: Session[]): void {
    this.fixed = [...sessions];
    this.cache = undefined;
  }

  /** Back to `count` generated sessions. */
  setSessionCount(count: number): void {
    this.fixed = undefined;
    this.generatedCount = Math.max(0, Math.floor(count));
    this.cache = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The fleet

export interface GaussDbInit extends Partial<Ownership> {
  id?: string;
  name?: string;
  status?: string;
  overview?: Partial<Overview>;
}

export interface TaurusDbInit extends Partial<Ownership> {
  id?: string;
  name?: string;
  status?: string;
  maxHtap?: number;
}

/** The enterprise projects of the demo fleet besides the default one ("0"). */
export const DEMO_ENTERPRISE_PROJECTS = { payments: '6d2b6a4e-5f0c-4c61-9d52-1b0f3a8e7c21', analytics: 'c93f2d18-7a4b-4e0f-b2d6-58e1a9c4f307' } as const;

const tags = (entries: Record<string, string>): Ownership['tags'] => Object.entries(entries).map(([key, value]) => ({ key, value }));

const REGIONS = ['ap-southeast-1', 'cn-north-4', 'ap-southeast-3', 'cn-east-3', 'af-south-1', 'la-south-2'];
/** Seconds a tick moves the clock by default (the demo ticks every 10 s). */
export const DEFAULT_TICK_SECONDS = 10;
// 2024-05-22, near the seed's create_at values: a fixed epoch keeps create_at deterministic.
const EPOCH_MS = 1716364704475;

export class Fleet {
  readonly seed: number;
  readonly projects: Project[] = [];
  /** set for the default (demo) fleet */
  readonly demo: DemoRoles | undefined;
  /** simulated seconds since the fleet was made */
  private clockSeconds = 0;
  private tickCount = 0;
  private readonly nextRandom: () => number;
  private readonly gaussById = new Map<string, { project: Project; instance: GaussDbInstance }>();
  private readonly taurusById = new Map<string, { project: Project; instance: TaurusDbInstance }>();
  private readonly htapById = new Map<string, { project: Project; taurus: TaurusDbInstance; instance: HtapInstance }>();

  private constructor(seed: number, build: (fleet: Fleet) => DemoRoles | undefined) {
    this.seed = seed;
    this.nextRandom = rng(hash32(seed, 'fleet'));
    this.demo = build(this);
  }

  /** The demo fleet (see DemoRoles), or a generated one when `spec` is given. */
  static create(seed = 1, spec?: Partial<FleetSpec>): Fleet {
    return spec ? Fleet.generate(spec, seed) : Fleet.demoFleet(seed);
  }

  /** A uniform fleet of the given sizes (missing sizes from DEFAULT_FLEET_SPEC). */
  static generate(partial: Partial<FleetSpec>, seed = 1): Fleet {
    const spec: FleetSpec = { ...DEFAULT_FLEET_SPEC, ...partial };
    return new Fleet(seed, (fleet) => {
      for (let p = 0; p < spec.projects; p++) {
        const project = fleet.addProject(REGIONS[p % REGIONS.length] as string);
        for (let g = 0; g < spec.gaussdbPerProject; g++) {
          const total = Math.floor(fleet.nextRandom() * 200);
          fleet.addGaussDb(project.projectId, {
            name: `gauss-${p + 1}-${String(g + 1).padStart(4, '0')}`,
            overview: {
              total,
              active: Math.floor(total * fleet.nextRandom() * 0.6),
              slowSql: fleet.nextRandom() < 0.2 ? 1 + Math.floor(fleet.nextRandom() * 5) : 0,
              lockWaiting: fleet.nextRandom() < 0.1 ? 1 + Math.floor(fleet.nextRandom() * 3) : 0,
            },
          });
        }
        for (let t = 0; t < spec.taurusdbPerProject; t++) {
          const taurus = fleet.addTaurusDb(project.projectId, { name: `taurus-${p + 1}-${String(t + 1).padStart(4, '0')}` });
          for (let h = 0; h < spec.htapPerTaurus; h++) {
            fleet.addHtap(taurus.id, { sessionCount: spec.sessionsPerHtap });
          }
        }
      }
      return undefined;
    });
  }

  /** The default fleet: one project, 4 GaussDB, 3 TaurusDB with 0, 1 and 3 HTAP instances. */
  static demoFleet(seed = 1): Fleet {
    return new Fleet(seed, (fleet) => {
      const region = 'ap-southeast-1';
      const project = fleet.addProject(region);
      const pid = project.projectId;
      const gauss = [
        fleet.addGaussDb(pid, {
          name: 'orders-gauss', overview: { total: 36, active: 12, slowSql: 1, lockWaiting: 0 }, tags: tags({ env: 'prod', team: 'orders' }),
        }),
        fleet.addGaussDb(pid, {
          name: 'payments-gauss', overview: { total: 140, active: 57, slowSql: 6, lockWaiting: 4 },
          enterpriseProjectId: DEMO_ENTERPRISE_PROJECTS.payments, tags: tags({ env: 'prod', team: 'payments', 'cost-center': 'cc-4711' }),
        }),
        fleet.addGaussDb(pid, {
          name: 'reporting-gauss', overview: { total: 9, active: 2, slowSql: 0, lockWaiting: 0 },
          enterpriseProjectId: DEMO_ENTERPRISE_PROJECTS.analytics, tags: tags({ env: 'prod', team: 'bi' }),
        }),
        fleet.addGaussDb(pid, { name: 'staging-gauss', overview: { total: 3, active: 0, slowSql: 0, lockWaiting: 0 }, tags: tags({ env: 'staging' }) }),
      ];
      const orders = fleet.addTaurusDb(pid, { name: 'orders', maxHtap: 10, tags: tags({ env: 'prod', team: 'orders' }) });
      const busy = fleet.addHtap(orders.id, {
        name: 'htap-orders-sr', engine: 'star-rocks', engineVersion: '3.1.11', haMode: 'Cluster', nodeNum: 6, sessionCount: 250,
      });
      const small = fleet.addHtap(orders.id, {
        name: 'htap-orders-sr-lite', engine: 'star-rocks', engineVersion: '3.3.5', haMode: 'Single', nodeNum: 2, sessionCount: 37,
      });
      const clickhouse = fleet.addHtap(orders.id, {
        name: 'htap-orders-ch', engine: 'click-house', engineVersion: '23.8.2.7', haMode: 'Cluster', nodeNum: 4,
      });
      const billing = fleet.addTaurusDb(pid, {
        name: 'billing', maxHtap: 10, enterpriseProjectId: DEMO_ENTERPRISE_PROJECTS.payments, tags: tags({ env: 'prod', team: 'payments' }),
      });
      const frozen = fleet.addHtap(billing.id, {
        name: 'htap-billing-sr', engine: 'star-rocks', engineVersion: '3.1.11', haMode: 'Cluster', nodeNum: 3,
        status: 'abnormal', frozen: true, waitRestart: true, sessionCount: 12,
      });
      const empty = fleet.addTaurusDb(pid, { name: 'inventory', maxHtap: 5, tags: tags({ env: 'staging', team: 'orders' }) });
      return {
        projectId: pid,
        region,
        lockingGaussDbId: (gauss[1] as GaussDbInstance).id,
        gaussDbIds: gauss.map((g) => g.id),
        ordersTaurusId: orders.id,
        billingTaurusId: billing.id,
        emptyTaurusId: empty.id,
        busyHtapId: busy.id,
        smallHtapId: small.id,
        clickhouseHtapId: clickhouse.id,
        frozenHtapId: frozen.id,
      };
    });
  }

  /** Simulated seconds since the fleet was made. */
  get clock(): number {
    return this.clockSeconds;
  }

  get ticks(): number {
    return this.tickCount;
  }

  /** Advances time: session durations grow, short sessions end and new ones start, and every
   *  GaussDB overview moves around its baseline. Deterministic in (seed, tick number). */
  tick(seconds: number = DEFAULT_TICK_SECONDS): void {
    this.clockSeconds += Math.max(0, seconds);
    this.tickCount++;
    for (const { instance } of this.gaussById.values()) {
      instance.overview = wander(instance.baseline, rng(hash32(this.seed, instance.id, this.tickCount)));
    }
  }

  // --- lookups -------------------------------------------------------------------------------

  project(projectId: string): Project | undefined {
    return this.projects.find((p) => p.projectId === projectId);
  }

  gaussdb(id: string): GaussDbInstance | undefined {
    return this.gaussById.get(id)?.instance;
  }

  taurusdb(id: string): TaurusDbInstance | undefined {
    return this.taurusById.get(id)?.instance;
  }

  htap(id: string): HtapInstance | undefined {
    return this.htapById.get(id)?.instance;
  }

  /** The project holding a GaussDB, TaurusDB or HTAP instance. */
  projectOf(instanceId: string): Project | undefined {
    return (this.gaussById.get(instanceId) ?? this.taurusById.get(instanceId) ?? this.htapById.get(instanceId))?.project;
  }

  /** The TaurusDB instance an HTAP instance belongs to. */
  taurusOf(htapId: string): TaurusDbInstance | undefined {
    return this.htapById.get(htapId)?.taurus;
  }

  /** Total generated or fixed sessions over every HTAP instance. */
  sessionTotal(): number {
    let n = 0;
    for (const { instance } of this.htapById.values()) n += instance.sessionCount;
    return n;
  }

  // --- mutations (tests churn the fleet with these) -----------------------------------------------

  /** A new project with a fresh 32-hex id. */
  addProject(region: string, projectId: string = hex32(this.nextRandom)): Project {
    if (this.project(projectId)) throw new Error(`project ${projectId} exists`);
    const project: Project = { projectId, region, gaussdb: [], taurusdb: [] };
    this.projects.push(project);
    return project;
  }

  addGaussDb(projectId: string, init: GaussDbInit = {}): GaussDbInstance {
    const project = this.requireProject(projectId);
    const id = init.id ?? `${hex32(this.nextRandom)}in14`;
    this.requireFreeId(id);
    const total = init.overview?.total ?? 20;
    const overview: Overview = {
      total,
      active: init.overview?.active ?? Math.floor(total / 3),
      slowSql: init.overview?.slowSql ?? 0,
      lockWaiting: init.overview?.lockWaiting ?? 0,
    };
    const instance: GaussDbInstance = {
      id, name: init.name ?? `gauss-${id.slice(0, 4)}`, status: init.status ?? 'ACTIVE', overview, baseline: { ...overview },
      enterpriseProjectId: init.enterpriseProjectId ?? '0', tags: init.tags ?? [],
    };
    project.gaussdb.push(instance);
    this.gaussById.set(id, { project, instance });
    return instance;
  }

  removeGaussDb(id: string): boolean {
    const entry = this.gaussById.get(id);
    if (!entry) return false;
    entry.project.gaussdb = entry.project.gaussdb.filter((g) => g.id !== id);
    this.gaussById.delete(id);
    return true;
  }

  /** Sets the current overview values and the baseline they wander around on later ticks. */
  setOverview(id: string, overview: Partial<Overview>): GaussDbInstance {
    const instance = this.gaussdb(id);
    if (!instance) throw new Error(`no GaussDB instance ${id}`);
    instance.overview = { ...instance.overview, ...overview };
    instance.baseline = { ...instance.overview };
    return instance;
  }

  addTaurusDb(projectId: string, init: TaurusDbInit = {}): TaurusDbInstance {
    const project = this.requireProject(projectId);
    const id = init.id ?? `${hex32(this.nextRandom)}in07`;
    this.requireFreeId(id);
    const instance: TaurusDbInstance = {
      id, name: init.name ?? `taurus-${id.slice(0, 4)}`, status: init.status ?? 'ACTIVE', maxHtap: init.maxHtap ?? 10, htap: [],
      enterpriseProjectId: init.enterpriseProjectId ?? '0', tags: init.tags ?? [],
    };
    project.taurusdb.push(instance);
    this.taurusById.set(id, { project, instance });
    return instance;
  }

  /** Removes a TaurusDB instance and its HTAP instances. */
  removeTaurusDb(id: string): boolean {
    const entry = this.taurusById.get(id);
    if (!entry) return false;
    for (const h of entry.instance.htap) this.htapById.delete(h.id);
    entry.project.taurusdb = entry.project.taurusdb.filter((t) => t.id !== id);
    this.taurusById.delete(id);
    return true;
  }

  addHtap(taurusId: string, init: HtapInit = {}): HtapInstance {
    const entry = this.taurusById.get(taurusId);
    if (!entry) throw new Error(`no TaurusDB instance ${taurusId}`);
    const id = init.id ?? `${hex32(this.nextRandom)}in17`;
    this.requireFreeId(id);
    const engine = init.engine ?? 'star-rocks';
    const haMode = init.haMode ?? 'Cluster';
    const instance = new HtapInstance(() => this.clockSeconds, {
      id,
      name: init.name ?? `htap-${id.slice(0, 4)}`,
      engine,
      engineVersion: init.engineVersion ?? (engine === 'star-rocks' ? '3.1.11' : '23.8.2.7'),
      status: init.status ?? 'normal',
      haMode,
      nodeNum: init.nodeNum ?? (haMode === 'Cluster' ? 6 : 2),
      frozen: init.frozen ?? false,
      waitRestart: init.waitRestart ?? false,
      createAt: init.createAt ?? EPOCH_MS - Math.floor(this.nextRandom() * 300 * 86_400_000),
      sessionCount: init.sessionCount ?? (engine === 'star-rocks' ? 20 : 0),
      ...(init.sessions ? { sessions: init.sessions } : {}),
    });
    entry.instance.htap.push(instance);
    this.htapById.set(id, { project: entry.project, taurus: entry.instance, instance });
    return instance;
  }

  removeHtap(id: string): boolean {
    const entry = this.htapById.get(id);
    if (!entry) return false;
    entry.taurus.htap = entry.taurus.htap.filter((h) => h.id !== id);
    this.htapById.delete(id);
    return true;
  }

  /** Changes an HTAP instance's descriptive fields (status, frozen, nodeNum...). */
  updateHtap(id: string, patch: Partial<Pick<HtapInstance,
    'name' | 'engineVersion' | 'status' | 'haMode' | 'nodeNum' | 'frozen' | 'waitRestart' | 'createAt'>>): HtapInstance {
    const instance = this.requireHtap(id);
    Object.assign(instance, patch);
    return instance;
  }

  /** Fixed sessions for an HTAP instance; they stay as given across ticks. */
  setSessions(htapId: string, sessions: Session[]): void {
    this.requireHtap(htapId).setSessions(sessions);
  }

  /** Back to `count` generated sessions that evolve with ticks. */
  setSessionCount(htapId: string, count: number): void {
    this.requireHtap(htapId).setSessionCount(count);
  }

  private requireProject(projectId: string): Project {
    const project = this.project(projectId);
    if (!project) throw new Error(`no project ${projectId}`);
    return project;
  }

  private requireHtap(id: string): HtapInstance {
    const instance = this.htap(id);
    if (!instance) throw new Error(`no HTAP instance ${id}`);
    return instance;
  }

  private requireFreeId(id: string): void {
    if (this.gaussById.has(id) || this.taurusById.has(id) || this.htapById.has(id)) throw new Error(`instance ${id} exists`);
  }
}

/** Overview values near `base`: totals ±20 %, active ±40 %, and rare slow-SQL / lock spikes where
 *  the baseline has none, so a quiet instance is not flat zero forever. */
function wander(base: Overview, r: () => number): Overview {
  const around = (v: number, spread: number): number => Math.max(0, Math.round(v * (1 - spread + 2 * spread * r())));
  const rare = (v: number): number => (v > 0 ? around(v, 0.5) : r() < 0.1 ? 1 : 0);
  const total = around(base.total, 0.2);
  const active = Math.min(total, around(base.active, 0.4));
  return {
    total,
    active,
    slowSql: Math.min(active, rare(base.slowSql)),
    lockWaiting: Math.min(total, rare(base.lockWaiting)),
  };
}
