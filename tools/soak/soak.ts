// The soak run: thousands of accelerated polls of the exporter's real client, collectors and
// snapshot store against a simulator whose fleet churns and whose answers fail at random (one
// seeded PRNG), then, with the faults cleared, one final clean poll whose /metrics must match
// exactly what the final fleet implies. Along the way it watches for what only shows over time:
// resident memory growing after warm-up, unhandled rejections, sockets or timers left open,
// secrets in the logs.
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { fullCollection } from '../../src/heap-tuning.js';
import type { Config } from '../../src/config/types.js';
import { createLogger } from '../../src/log.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { hash32, rng, type FleetSpec } from '../../src/simulator/fleet.js';
import { Simulator } from '../../src/simulator/server.js';
import { churnFleet, FaultInjector } from './churn.js';
import { compareSeries, expectedExposition, type SeriesComparison } from './expected.js';
import { buildRuntime } from './runtime.js';

export interface SoakOptions {
  /** rounds of polls (each polls every collector once); the run stops at this count... */
  polls: number;
  /** ...or after this many seconds, whichever comes first */
  seconds: number;
  /** seeds the fleet, its churn and the faults (default 1) */
  seed?: number;
  /** rounds before the memory and resource baselines are taken (default: a fifth of `polls`, at least 20) */
  warmupPolls?: number;
  /**
   * allowed growth of resident memory from the end of warm-up to the end, MB (default 40: RSS
   * moves with the allocator, and a refused oversized answer is buffered up to the 16 MiB cap;
   * runs of up to 10,000 rounds grew 3 to 22 MB, the heap in use 1 to 2 MB)
   */
  rssToleranceMb?: number;
  /** allowed growth of the JavaScript heap in use over the same span, after GC, MB (default 8) */
  heapToleranceMb?: number;
  /** chance of a new fault each round (default 0.25) */
  faultRate?: number;
  /** the simulated fleet at the start (default 2 projects of 3 GaussDB and 2 TaurusDB with one HTAP instance of 120 sessions each) */
  fleet?: Partial<FleetSpec>;
  /** progress lines (default: none) */
  progress?: (line: string) => void;
}

type Counts = Record<string, number>;

export interface SoakReport {
  pass: boolean;
  /** why it failed; empty on a pass */
  failures: string[];
  seed: number;
  polls: number;
  collectorPolls: number;
  discoveryRuns: number;
  seconds: number;
  stoppedBy: 'polls' | 'seconds';
  requests: { total: number; byApi: Counts };
  faultsInjected: Counts & { total: number };
  fleetMutations: Counts;
  fleet: { start: FleetSize; end: FleetSize };
  /** targets and how many are up after the final clean poll, which is tried again only after timeouts */
  finalPoll: { targets: number; up: number; attempts: number };
  series: SeriesComparison;
  memoryMb: {
    gcForced: boolean;
    rss: { start: number; afterWarmup: number; end: number; growth: number; tolerance: number };
    heapUsed: { start: number; afterWarmup: number; end: number; growth: number; tolerance: number };
    /** memory of Buffers and other objects outside the JavaScript heap (for reading RSS; not checked) */
    external: { start: number; afterWarmup: number; end: number };
  };
  activeResources: { before: Counts; afterWarmup: Counts; end: Counts; afterStop: Counts };
  unhandledRejections: number;
  /** `targetFailures` counts failed target polls and discovery runs; `timeouts` those that timed out */
  logLines: { total: number; warn: number; error: number; withSecrets: number; targetFailures: number; timeouts: number };
}

interface FleetSize {
  gaussdb: number;
  taurusdb: number;
  htap: number;
  sessions: number;
}

const MB = 1024 * 1024;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Per-request timeout of the soak's exporter: loopback answers take a few ms. */
const TIMEOUT_MS = 100;
const CONCURRENCY = 4;
/** Retries as configured (2), with the backoff scaled to the accelerated pace. */
const RETRY_POLICY = { retries: 2, baseDelayMs: 5, maxDelayMs: 50 };
/** Deadline of each poll: every retry of a request can fit. */
const POLL_DEADLINE_MS = 2000;
const DISCOVER_EVERY = 10;
const FINAL_POLL_ATTEMPTS = 3;
/** Resource kinds whose count must not grow (getActiveResourcesInfo names). */
const WATCHED_RESOURCES = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];
/** Timers and immediates pending between two polls may differ by this many, not more. */
const TIMER_SLACK = 2;

function fleetSize(sim: Simulator): FleetSize {
  const taurus = sim.fleet.projects.flatMap((p) => p.taurusdb);
  const htap = taurus.flatMap((t) => t.htap);
  return {
    gaussdb: sim.fleet.projects.reduce((n, p) => n + p.gaussdb.length, 0),
    taurusdb: taurus.length,
    htap: htap.length,
    sessions: htap.reduce((n, h) => n + h.sessionCount, 0),
  };
}

function activeResources(): Counts {
  const counts: Counts = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** A garbage collection on demand, where V8 lets one be had. */
function garbageCollector(): (() => void) | undefined {
  try {
    return fullCollection();
  } catch {
    return undefined;
  }
}

/**
 * The active resources once those of the run have wound down: waits (up to `waitMs`) while any
 * watched kind still counts more than in `baseline`, so that a timer about to fire is not taken
 * for one left behind; what is still there after the wait is.
 */
async function resourcesAfter(baseline: Counts, waitMs: number): Promise<Counts> {
  const until = performance.now() + waitMs;
  let now = activeResources();
  while (performance.now() < until && WATCHED_RESOURCES.some((kind) => (now[kind] ?? 0) > (baseline[kind] ?? 0))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = activeResources();
  }
  return now;
}

async function settle(gc: (() => void) | undefined): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc?.();
}

/** The configuration the soak's exporter runs on: every simulated project, discovered, both auth kinds. */
function soakConfig(sim: Simulator): Config {
  const c = sim.credentials;
  const document = {
    log_level: 'info',
    collectors: {
      htap_processes: { long_running_seconds: 60, by_user: true, by_database: true, by_host: true, max_label_values: 20 },
    },
    http: { timeout: `${TIMEOUT_MS}ms`, retries: RETRY_POLICY.retries, concurrency: CONCURRENCY, max_in_flight: 3 * CONCURRENCY },
    projects: sim.fleet.projects.map((project, i) => ({
      region: project.region,
      project_id: project.projectId,
      endpoints: sim.endpoints,
      // the first project signs its requests, the others use IAM tokens
      auth: i === 0
        ? { type: 'aksk', access_key: c.accessKey, secret_key: c.secretKey }
        : { type: 'password', domain: c.domain, user: c.user, password: c.password },
      gaussdb: { instances: [], discover: true },
      taurusdb: { instances: [], discover: true },
    })),
  };
  return parseConfig(stringify(document), {}, process.cwd());
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const warmupPolls = Math.min(options.warmupPolls ?? Math.max(20, Math.floor(options.polls / 5)), Math.max(1, options.polls - 1));
  const rssTolerance = options.rssToleranceMb ?? 40;
  const heapTolerance = options.heapToleranceMb ?? 8;
  const faultRate = options.faultRate ?? 0.25;
  const progress = options.progress ?? (() => undefined);
  const failures: string[] = [];
  const gc = garbageCollector();

  let unhandledRejections = 0;
  const onRejection = (): void => {
    unhandledRejections++;
  };
  process.on('unhandledRejection', onRejection);

  await settle(gc);
  const before = activeResources();
  const startMemory = process.memoryUsage();

  // Logs go through the real logger (redaction included) into a counter that also looks for secrets.
  const logLines = { total: 0, warn: 0, error: 0, withSecrets: 0, targetFailures: 0, timeouts: 0 };
  let secrets: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        logLines.total++;
        if (line.includes('"level":"warn"')) logLines.warn++;
        if (line.includes('"level":"error"')) logLines.error++;
        if (secrets.some((secret) => line.includes(secret))) logLines.withSecrets++;
        if (line.includes('"msg":"target poll failed"') || line.includes('"msg":"instance discovery failed')) {
          logLines.targetFailures++;
          if (line.includes('"code":"ETIMEDOUT"')) logLines.timeouts++;
        }
      }
      done();
    },
  });
  const log = createLogger('info', sink);

  const sim = await Simulator.start({
    seed,
    fleet: { projects: 2, gaussdbPerProject: 3, taurusdbPerProject: 2, htapPerTaurus: 1, sessionsPerHtap: 120, ...options.fleet },
    // tokens short-lived enough to be refreshed ahead of expiry several times in a run
    tokenTtlMs: 20_000,
  });
  // every IAM token the simulator issues starts with MIIsim
  secrets = [sim.credentials.secretKey, sim.credentials.password, sim.credentials.token, 'MIIsim'];
  const config = soakConfig(sim);
  const metrics = new ExporterMetrics('soak');
  const runtime = buildRuntime(config, RETRY_POLICY, POLL_DEADLINE_MS, metrics, log);
  const random = rng(hash32(seed, 'soak'));
  const faults = new FaultInjector(sim, random, TIMEOUT_MS);
  const fleetStart = fleetSize(sim);
  const mutations: Counts = {};
  const requests: Counts = {};
  const countRequests = (): void => {
    for (const [api, n] of Object.entries(sim.requests.counts())) requests[api] = (requests[api] ?? 0) + n;
    sim.requests.clear(); // the log is a ring of 10,000 entries: keep it from filling during the run
  };

  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  let polls = 0;
  let discoveryRuns = 0;
  let nextProgress = 15;
  let afterWarmup: { rss: number; heapUsed: number; external: number; resources: Counts } | undefined;
  let series: SeriesComparison | undefined;
  const finalPoll = { targets: 0, up: 0, attempts: 0 };
  let endMemory = startMemory;
  let end: Counts = {};
  let afterStop: Counts = {};
  try {
    while (polls < options.polls && elapsed() < options.seconds) {
      if (polls === 1) faults.inject('oversized', polls); // early, so warm-up reaches its memory high-water mark
      else faults.maybeInject(polls, faultRate);
      if (polls % DISCOVER_EVERY === 0) {
        await runtime.discover();
        discoveryRuns++;
      }
      await runtime.pollAll();
      for (const kind of churnFleet(sim.fleet, random, polls)) mutations[kind] = (mutations[kind] ?? 0) + 1;
      countRequests();
      polls++;
      if (polls === warmupPolls) {
        await settle(gc);
        const memory = process.memoryUsage();
        afterWarmup = { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, resources: activeResources() };
      }
      if (elapsed() >= nextProgress) {
        progress(`soak: ${polls} polls in ${Math.round(elapsed())} s, ${faults.total} faults injected`);
        nextProgress += 15;
      }
    }

    // The final clean poll: no faults, no churn; discovery first, then the HTAP inventory the
    // session polls read, then every collector.
    faults.clear();
    let since = 0;
    for (let attempt = 1; attempt <= FINAL_POLL_ATTEMPTS; attempt++) {
      finalPoll.attempts = attempt;
      const failedBefore = logLines.targetFailures;
      const timedOutBefore = logLines.timeouts;
      since = Date.now() / 1000;
      await runtime.discover();
      discoveryRuns++;
      await runtime.poll('htap_instances');
      await runtime.pollAll();
      countRequests();
      // Only a target or a discovery that timed out on every attempt (a loaded machine, not the
      // exporter) earns the final poll another go; any other failure stands.
      const failed = logLines.targetFailures - failedBefore;
      if (failed === 0 || failed !== logLines.timeouts - timedOutBefore) break;
    }
    // measured before the oracle below allocates its own
    await settle(gc);
    endMemory = process.memoryUsage();
    end = activeResources();
    const expected = expectedExposition(sim.fleet, {
      longRunningSeconds: config.collectors.htap_processes.longRunningSeconds,
      idleCommands: config.collectors.htap_processes.idleCommands,
      maxLabelValues: config.collectors.htap_processes.maxLabelValues,
      byUser: config.collectors.htap_processes.byUser,
      byDatabase: config.collectors.htap_processes.byDatabase,
      byHost: config.collectors.htap_processes.byHost,
    });
    series = compareSeries(runtime.store.current().text, expected, Math.floor(since * 1000) / 1000);
    for (const name of runtime.store.collectorNames) {
      const stats = runtime.store.targetStats(name);
      finalPoll.targets += stats.targets;
      finalPoll.up += stats.up;
    }
  } finally {
    await runtime.stop();
    await sim.close();
    await settle(gc);
    afterStop = await resourcesAfter(before, 2000);
    process.off('unhandledRejection', onRejection);
  }

  const baseline = afterWarmup ?? { rss: startMemory.rss, heapUsed: startMemory.heapUsed, external: startMemory.external, resources: before };
  const rssGrowth = (endMemory.rss - baseline.rss) / MB;
  const heapGrowth = (endMemory.heapUsed - baseline.heapUsed) / MB;
  if (!afterWarmup) failures.push(`the run ended before its ${warmupPolls} warm-up polls`);
  if (!series || series.counts.missing + series.counts.unexpected + series.counts.wrongValues > 0) {
    failures.push('the final /metrics does not match the final fleet');
  }
  if (finalPoll.up !== finalPoll.targets) failures.push(`${finalPoll.targets - finalPoll.up} targets down after the final clean poll`);
  if (rssGrowth > rssTolerance) failures.push(`resident memory grew ${round1(rssGrowth)} MB after warm-up (tolerance ${rssTolerance} MB)`);
  if (heapGrowth > heapTolerance) failures.push(`heap in use grew ${round1(heapGrowth)} MB after warm-up (tolerance ${heapTolerance} MB)`);
  if (unhandledRejections > 0) failures.push(`${unhandledRejections} unhandled promise rejections`);
  // With the exporter running, its keep-alive sockets (and the simulator's ends of them) are
  // bounded by the pools: per project and endpoint `concurrency` sockets, two ends each.
  const socketBound = 2 * CONCURRENCY * 3 * config.projects.length + (before.TCPSocketWrap ?? 0) + 3;
  if ((end.TCPSocketWrap ?? 0) > socketBound) failures.push(`${end.TCPSocketWrap} sockets open at the end (bound ${socketBound})`);
  for (const kind of ['Timeout', 'Immediate']) {
    const grown = (end[kind] ?? 0) - (baseline.resources[kind] ?? 0);
    if (grown > TIMER_SLACK) failures.push(`${kind}: ${grown} more pending at the end than after warm-up`);
  }
  for (const kind of WATCHED_RESOURCES) {
    if ((afterStop[kind] ?? 0) > (before[kind] ?? 0)) failures.push(`${kind}: ${before[kind] ?? 0} before the run, ${afterStop[kind]} after it stopped`);
  }
  if (logLines.withSecrets > 0) failures.push(`${logLines.withSecrets} log lines carry a secret`);

  return {
    pass: failures.length === 0,
    failures,
    seed,
    polls,
    collectorPolls: 3 * polls + 4 * finalPoll.attempts,
    discoveryRuns,
    seconds: round1(elapsed()),
    stoppedBy: polls >= options.polls ? 'polls' : 'seconds',
    requests: { total: Object.values(requests).reduce((a, b) => a + b, 0), byApi: requests },
    faultsInjected: { ...faults.injected, total: faults.total },
    fleetMutations: mutations,
    fleet: { start: fleetStart, end: fleetSize(sim) },
    finalPoll,
    series: series ?? compareSeries('', { values: new Map(), lastSuccess: new Set(), targets: 0 }, 0),
    memoryMb: {
      gcForced: gc !== undefined,
      rss: {
        start: round1(startMemory.rss / MB), afterWarmup: round1(baseline.rss / MB), end: round1(endMemory.rss / MB),
        growth: round1(rssGrowth), tolerance: rssTolerance,
      },
      heapUsed: {
        start: round1(startMemory.heapUsed / MB), afterWarmup: round1(baseline.heapUsed / MB), end: round1(endMemory.heapUsed / MB),
        growth: round1(heapGrowth), tolerance: heapTolerance,
      },
      external: { start: round1(startMemory.external / MB), afterWarmup: round1(baseline.external / MB), end: round1(endMemory.external / MB) },
    },
    activeResources: { before, afterWarmup: baseline.resources, end, afterStop },
    unhandledRejections,
    logLines,
  };
}
