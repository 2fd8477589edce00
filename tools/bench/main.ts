// `npm run bench`: the exporter at fleet scale against the simulator, every figure beside its
// floor, measured side by side in one run, printed as one JSON object on stdout (progress goes
// to stderr). See BENCHMARKS.md for the method.
//
//   node build/tools/bench/main.js [--gaussdb 1000] [--taurusdb 500] [--htap-per-taurus 1] [--sessions 1000]
//     [--projects 1] [--latency-ms 20] [--concurrency 32] [--cycles 3] [--scrape-clients 8]
//     [--scrape-seconds 3] [--scrape-rounds 3] [--seed 1] [--quick] [--profile DIR]
//
// Processes: the exporter and its /metrics server run in this process and nothing else does, so
// its CPU and peak memory are the exporter's. The simulator, the bare-client floor, the static
// /metrics floor, the prom-client comparison server and the /metrics load generator each run in
// a child process of their own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { BareResult } from './bare-client.js';
import { Child, closeServer, cpuSeconds, mainThreadCpuSeconds, median, round, type Message } from './ipc.js';
import { PhaseProfiler, type ProfileSummary } from './profile.js';
import { scaleCurve } from './scale-curve.js';
import { small } from './small.js';
import type { Config } from '../../src/config/types.js';
import { SINGLE_SHARD } from '../../src/discovery.js';
import { Exporter } from '../../src/exporter.js';
import { fullCollection, HEAP_FLAGS, START_ENV, START_FLAGS, startEnvWords, tuneHeap } from '../../src/heap-tuning.js';
import { createLogger } from '../../src/log.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { createHandler, EXPOSITION_CONTENT_TYPE } from '../../src/server/http.js';
import { createExporterServer } from '../../src/server/exporter-server.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  quick: boolean;
  projects: number;
  gaussdb: number;
  taurusdb: number;
  htapPerTaurus: number;
  sessions: number;
  latencyMs: number;
  concurrency: number;
  cycles: number;
  /** uncounted cycles of each side before the measured ones */
  warmupCycles: number;
  scrapeClients: number;
  scrapeSeconds: number;
  scrapeRounds: number;
  seed: number;
  profileDir: string | undefined;
  /** --profile-promoted: allocation profiles of what reached the old generation only */
  profilePromoted: boolean;
  /** poll cycles only, no /metrics phase (the scale curve's steps) */
  pollOnly: boolean;
  scaleCurve: boolean;
  small: boolean;
  /** --small: minutes of polling before the resident memory is read */
  smallMinutes: number;
  /** --scale-curve: also draw the curve as SVG here */
  chart: string | undefined;
}

const FULL = { gaussdb: 1000, taurusdb: 500, sessions: 1000, cycles: 3, scrapeSeconds: 3, scrapeRounds: 3 };
const QUICK = { gaussdb: 40, taurusdb: 20, sessions: 250, cycles: 2, scrapeSeconds: 1, scrapeRounds: 1 };
/** The whole run's hard deadline. */
const MAX_RUN_MS = 45 * 60_000;
/** Session pages: the exporter asks for 100 sessions a page and at most 100 pages. */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      projects: { type: 'string' },
      gaussdb: { type: 'string' },
      taurusdb: { type: 'string' },
      'htap-per-taurus': { type: 'string' },
      sessions: { type: 'string' },
      'latency-ms': { type: 'string' },
      concurrency: { type: 'string' },
      cycles: { type: 'string' },
      'warmup-cycles': { type: 'string' },
      'scrape-clients': { type: 'string' },
      'scrape-seconds': { type: 'string' },
      'scrape-rounds': { type: 'string' },
      seed: { type: 'string' },
      profile: { type: 'string' },
      'profile-promoted': { type: 'boolean', default: false },
      'poll-only': { type: 'boolean', default: false },
      'scale-curve': { type: 'boolean', default: false },
      small: { type: 'boolean', default: false },
      chart: { type: 'string' },
      'small-minutes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: bench [--quick] [--gaussdb N] [--taurusdb N] [--htap-per-taurus N] [--sessions N] [--projects N]\n'
      + '             [--latency-ms N] [--concurrency N] [--cycles N] [--scrape-clients N] [--scrape-seconds N]\n'
      + '             [--scrape-rounds N] [--seed N] [--warmup-cycles N] [--profile DIR [--profile-promoted]] [--poll-only]\n'
      + '       bench --scale-curve [--cycles N] [--chart FILE.svg]   0.25x, 0.5x, 1x, 2x the fleet, poll cycles only, a process each\n'
      + '       bench --small [--small-minutes 10]   the demo fleet: start-up time and resident memory after polling\n');
    process.exit(0);
  }
  const defaults = values.quick ? QUICK : FULL;
  const int = (name: keyof typeof values, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined || typeof raw === 'boolean') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    quick: values.quick ?? false,
    projects: int('projects', 1, 1, 50),
    gaussdb: int('gaussdb', defaults.gaussdb, 0, 100_000),
    taurusdb: int('taurusdb', defaults.taurusdb, 0, 100_000),
    htapPerTaurus: int('htap-per-taurus', 1, 0, 10),
    sessions: int('sessions', defaults.sessions, 0, 10_000),
    latencyMs: int('latency-ms', 20, 0, 10_000),
    concurrency: int('concurrency', 32, 1, 1024),
    cycles: int('cycles', defaults.cycles, 1, 50),
    warmupCycles: int('warmup-cycles', 1, 1, 50),
    scrapeClients: int('scrape-clients', 8, 1, 256),
    scrapeSeconds: int('scrape-seconds', defaults.scrapeSeconds, 1, 120),
    scrapeRounds: int('scrape-rounds', defaults.scrapeRounds, 1, 20),
    seed: int('seed', 1, 0, 2 ** 31),
    profileDir: values.profile,
    profilePromoted: values['profile-promoted'] ?? false,
    pollOnly: values['poll-only'] ?? false,
    scaleCurve: values['scale-curve'] ?? false,
    small: values.small ?? false,
    smallMinutes: int('small-minutes', 10, 1, 120),
    chart: values.chart,
  };
}

// ---------------------------------------------------------------------------------------------
// The simulated fleet and the exporter's configuration for it

interface SimReady extends Message {
  endpoints: { iam: string; gaussdb: string; taurusdb: string };
  credentials: { accessKey: string; secretKey: string };
  projects: Array<{ projectId: string; region: string; gaussdb: Array<{ id: string; name: string }>; taurusdb: Array<{ id: string; name: string }> }>;
  sessions: number;
}

interface SimStats {
  counts: Record<string, number>;
  total: number;
  cpu: NodeJS.CpuUsage;
  /** mean time from an answer's deadline (arrival + latency) to its release, ms */
  latencyErrorMs: number;
}

function benchConfig(sim: SimReady, options: Options): Config {
  // Schedules never fire: the benchmark drives every poll through pollOnce().
  const never = { schedule: '0 0 1 1 *' };
  return {
    web: { listenAddress: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', configFile: '', enableLifecycle: false },
    logLevel: 'info',
    collectors: {
      session_overview: never,
      htap_instances: never,
      // The product's defaults.
      htap_processes: {
        ...never, longRunningSeconds: 60, idleCommands: ['sleep', 'daemon'], byUser: true, byDatabase: true, byHost: false, maxLabelValues: 20,
        topSessions: 0, topSessionsSqlChars: 200,
      },
      discovery: never,
      grace_polls: 0,
    },
    // A generous timeout; no retries, so any failure shows as a failed target, not as extra time.
    http: { timeoutMs: 120_000, retries: 0, concurrency: options.concurrency, maxInFlight: options.concurrency },
    projects: sim.projects.map((p) => ({
      region: p.region,
      projectId: p.projectId,
      endpoints: sim.endpoints,
      auth: { type: 'aksk' as const, accessKey: sim.credentials.accessKey, secretKey: sim.credentials.secretKey },
      gaussdb: { instances: p.gaussdb, discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
      taurusdb: { instances: p.taurusdb, discover: false, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [] },
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const gc = fullCollection();

interface CycleFigures extends Timed {
  simulatorCpuSeconds: number;
  requests: number;
  requestsByApi: Record<string, number>;
}

interface Timed {
  wallSeconds: number;
  cpuSeconds: number;
  /** of cpuSeconds, the main thread's (the rest is V8's helper threads) */
  mainThreadCpuSeconds: number;
  /** mean time of one API request as the client saw it (slot granted to answer parsed) */
  meanRequestMs: number;
}

async function stats(sim: Child): Promise<SimStats> {
  return (await sim.request({ type: 'stats' }, 30_000)) as unknown as SimStats;
}

/** One cycle of `work` (which times itself: wall and CPU of the process it runs in), with the
 *  simulator's CPU and the requests it saw meanwhile. */
async function measureCycle(sim: Child, work: () => Promise<Timed>): Promise<CycleFigures> {
  const before = await stats(sim);
  const timed = await work();
  const after = await stats(sim);
  const requestsByApi: Record<string, number> = {};
  for (const [api, count] of Object.entries(after.counts)) {
    const delta = count - (before.counts[api] ?? 0);
    if (delta > 0) requestsByApi[api] = delta;
  }
  return {
    ...timed,
    simulatorCpuSeconds: cpuSeconds({ user: after.cpu.user - before.cpu.user, system: after.cpu.system - before.cpu.system }),
    requests: after.total - before.total,
    requestsByApi,
  };
}

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanBytes: number;
  contentEncoding: string;
  loadCpuShare: number;
  totalRequests: number;
}

interface ServeFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** server CPU per answered scrape (warm-up included in both) */
  serverCpuMsPerScrape: number;
  bytes: number;
  errors: number;
  /** share of one core the load generator itself used: near 1 means it, not the server, was the limit */
  loadGeneratorCpuShare: number;
  rounds: number[];
}

async function load(loader: Child, url: string, gzip: boolean, options: Options, serverCpu: () => Promise<number>): Promise<LoadResult & { serverCpuSeconds: number }> {
  const warmupMs = options.quick ? 200 : 1000;
  const cpuBefore = await serverCpu();
  const answer = await loader.request({
    type: 'run',
    args: {
      url,
      headers: gzip ? { 'Accept-Encoding': 'gzip' } : {},
      clients: options.scrapeClients,
      warmupMs,
      durationMs: options.scrapeSeconds * 1000,
      maxRequests: 1_000_000,
    },
  }, warmupMs + options.scrapeSeconds * 1000 + 120_000) as unknown as LoadResult;
  const serverCpuSeconds = (await serverCpu()) - cpuBefore;
  return { ...answer, serverCpuSeconds };
}

function summariseServe(results: Array<LoadResult & { serverCpuSeconds: number }>): ServeFigures {
  return {
    rps: round(median(results.map((r) => r.rps)), 1),
    p50Ms: round(median(results.map((r) => r.p50Ms)), 2),
    p99Ms: round(median(results.map((r) => r.p99Ms)), 2),
    serverCpuMsPerScrape: round(median(results.map((r) => (r.serverCpuSeconds * 1000) / Math.max(1, r.totalRequests))), 3),
    bytes: Math.round(median(results.map((r) => r.meanBytes))),
    errors: results.reduce((n, r) => n + r.errors, 0),
    loadGeneratorCpuShare: round(median(results.map((r) => r.loadCpuShare)), 2),
    rounds: results.map((r) => round(r.rps, 1)),
  };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

/** The fleet and load the targets are set for. */
function atTargetScale(o: Options): boolean {
  return o.gaussdb === FULL.gaussdb && o.taurusdb === FULL.taurusdb && o.sessions === FULL.sessions && o.htapPerTaurus === 1
    && o.latencyMs === 20 && o.concurrency === 32;
}

const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** The commit measured, and the product files that differ from it (a shared working tree). */
function sourceState(): { commit: string; modifiedSources: string[] } {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      modifiedSources: git('status', '--porcelain', '--', 'src').split('\n').filter((line) => line !== '').map((line) => line.slice(3)),
    };
  } catch {
    return { commit: 'unknown', modifiedSources: [] };
  }
}

function machineState(): Record<string, unknown> {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    loadAvgAtEnd: os.loadavg().map((x) => round(x, 2)),
  };
}

/** Sum and count of the exporter's api_request_duration_seconds histogram. */
async function requestDurationTotals(metrics: ExporterMetrics): Promise<{ sum: number; count: number }> {
  const { values } = await metrics.apiRequestDuration.get();
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v.metricName?.endsWith('_sum')) sum += v.value;
    if (v.metricName?.endsWith('_count')) count += v.value;
  }
  return { sum, count };
}

/** One exporter poll cycle in this process, after a full GC (not counted). */
async function exporterCycle(exporter: Exporter, metrics: ExporterMetrics): Promise<Timed> {
  gc();
  const before = await requestDurationTotals(metrics);
  const cpu = process.cpuUsage();
  const mainThread = mainThreadCpuSeconds();
  const start = performance.now();
  await exporter.pollOnce();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpuUsed = cpuSeconds(process.cpuUsage(cpu));
  const mainThreadUsed = mainThreadCpuSeconds() - mainThread;
  const after = await requestDurationTotals(metrics);
  if (exporter.store.collectorNames.some((name) => {
    const { targets, up } = exporter.store.targetStats(name);
    return up < targets;
  })) {
    const errors = exporter.status.targetStatus().flatMap((t) => (t.lastError ? [`${t.instanceId}: ${t.lastError.errorCode} ${t.lastError.errorMsg}`] : []));
    throw new Error(`exporter: a target failed during a measured cycle (${errors.slice(0, 3).join('; ')})`);
  }
  return { wallSeconds, cpuSeconds: cpuUsed, mainThreadCpuSeconds: mainThreadUsed, meanRequestMs: ((after.sum - before.sum) * 1000) / Math.max(1, after.count - before.count) };
}

interface Check {
  name: string;
  value: number;
  target: string;
  pass: boolean;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const rssAtStart = process.memoryUsage().rss;
  const options = parseOptions(process.argv.slice(2));
  if (options.scaleCurve) {
    // Every step is a bench process of its own, each under its own run deadline.
    const curve = await scaleCurve({ ...options, cycles: options.cycles, chart: options.chart }, log);
    process.stdout.write(`${JSON.stringify({ bench: 'huaweicloud-db-exporter', mode: 'scale-curve', source: sourceState(), machine: machineState(), ...curve }, null, 2)}\n`);
    return;
  }
  if (options.small) {
    const result = await small(options.smallMinutes, options.seed, log);
    process.stdout.write(`${JSON.stringify({ bench: 'huaweicloud-db-exporter', mode: 'small', source: sourceState(), machine: machineState(), ...result }, null, 2)}\n`);
    return;
  }
  // The exporter runs in this process: it must have been started as `npm start` starts it.
  const missing = [
    ...Object.entries(START_ENV).filter(([name, value]) => process.env[name] !== value).map(([name, value]) => `${name}=${value}`),
    ...START_FLAGS.filter((flag) => !process.execArgv.includes(flag)),
  ];
  if (missing.length > 0) {
    const command = [...startEnvWords(), 'node', ...START_FLAGS, process.argv[1] ?? ''].join(' ');
    throw new Error(`started without ${missing.join(' ')}, which npm start gives the exporter: run npm run bench, or ${command}`);
  }
  const children: Child[] = [];
  const hardDeadline = setTimeout(() => {
    process.stderr.write(`[bench] run exceeded ${MAX_RUN_MS / 60_000} min; stopping\n`);
    for (const child of children) child.process.kill('SIGKILL');
    process.exit(1);
  }, MAX_RUN_MS);
  hardDeadline.unref();
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const profiler = new PhaseProfiler(options.profileDir, options.profilePromoted);
  const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  const per = (total: number): number => Math.ceil(total / options.projects);
  const fleet = {
    projects: options.projects,
    gaussdbPerProject: per(options.gaussdb),
    taurusdbPerProject: per(options.taurusdb),
    htapPerTaurus: options.htapPerTaurus,
    sessionsPerHtap: options.sessions,
  };
  const loadAvgAtStart = os.loadavg().map((x) => round(x, 2));
  log(`simulator: ${JSON.stringify(fleet)}, latency ${options.latencyMs} ms`);
  const sim = Child.start('simulator', './sim-child.js', [JSON.stringify({ seed: options.seed, fleet, latencyMs: options.latencyMs })]);
  children.push(sim);
  try {
    const ready = await sim.waitFor('ready', 120_000) as SimReady;
    const config = benchConfig(ready, options);
    const gaussdbCount = ready.projects.reduce((n, p) => n + p.gaussdb.length, 0);
    const taurusdbCount = ready.projects.reduce((n, p) => n + p.taurusdb.length, 0);

    // As main does: the exporter runs in this process.
    const collectAfterPolls = tuneHeap();
    const metrics = new ExporterMetrics(version);
    const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: true }));
    const exporter = new Exporter(config, metrics, logger, SINGLE_SHARD, collectAfterPolls);
    const bareChild = Child.start('bare client', './bare-child.js');
    children.push(bareChild);
    await bareChild.waitFor('ready', 60_000);
    let bareMaxRss = 0;
    const bareArgs = {
      endpoints: ready.endpoints,
      credentials: ready.credentials,
      projects: ready.projects.map((p) => ({ projectId: p.projectId, gaussdbIds: p.gaussdb.map((g) => g.id), taurusdbIds: p.taurusdb.map((t) => t.id) })),
      concurrency: options.concurrency,
      pageSize: PAGE_SIZE,
      maxPages: MAX_PAGES,
      timeoutMs: config.http.timeoutMs * 2,
    };
    const bare = async (profile = false): Promise<Timed> => {
      const result = await bareChild.request({
        type: 'cycle',
        args: { ...bareArgs, ...(profile && options.profileDir ? { profileDir: options.profileDir, profilePromoted: options.profilePromoted } : {}) },
      }, config.http.timeoutMs * 2 + 30_000) as unknown as BareResult & Timed & { maxRssBytes: number; profile?: ProfileSummary };
      if (result.failures > 0) throw new Error(`bare client: ${result.failures} of ${result.requests} requests failed`);
      bareMaxRss = result.maxRssBytes;
      if (result.profile) profiler.summaries['poll-bare'] = result.profile;
      return result;
    };
    const poll = (): Promise<Timed> => exporterCycle(exporter, metrics);

    // ---- poll cycles: warm-up (--warmup-cycles of each, not counted), then exporter and bare client alternately
    log(`poll: warm-up, ${options.warmupCycles} cycle(s) of each`);
    for (let i = 0; i < options.warmupCycles; i++) {
      await poll();
      await bare(false);
    }
    // What the simulator answers, fixed by the seed: equal checksums mean equal answers.
    const checksum = await bareChild.request({ type: 'checksum', args: bareArgs }, config.http.timeoutMs * 2 + 30_000) as unknown as
      BareResult & { answers: number; bytes: number; sha256: string };
    if (checksum.failures > 0) throw new Error(`bare client: ${checksum.failures} of ${checksum.requests} requests failed`);
    log(`poll: answer checksum ${checksum.sha256.slice(0, 16)} over ${checksum.answers} answers`);
    const exporterCycles: CycleFigures[] = [];
    const bareCycles: CycleFigures[] = [];
    for (let i = 0; i < options.cycles; i++) {
      // Alternate which goes first, so drift in the machine's load does not favour one side.
      const order = i % 2 === 0 ? ['exporter', 'bare'] : ['bare', 'exporter'];
      for (const side of order) {
        if (side === 'exporter') {
          exporterCycles.push(await profiler.phase('poll-exporter', i === 0, () => measureCycle(sim, poll)));
          log(`poll: exporter cycle ${i + 1}: ${round(exporterCycles.at(-1)?.wallSeconds ?? 0, 2)} s`);
        } else {
          bareCycles.push(await measureCycle(sim, () => bare(i === 0)));
          log(`poll: bare client cycle ${i + 1}: ${round(bareCycles.at(-1)?.wallSeconds ?? 0, 2)} s`);
        }
      }
    }
    const rssAfterCycles = process.memoryUsage();
    gc();
    const afterGc = process.memoryUsage();
    const maxRssAfterCycles = process.resourceUsage().maxRSS * 1024;
    const targetHealth = Object.fromEntries(exporter.store.collectorNames.map((name) => [name, exporter.store.targetStats(name)]));
    const failedTargets = Object.values(targetHealth).reduce((n, t) => n + t.targets - t.up, 0);

    const requestsPerCycle = median(exporterCycles.map((c) => c.requests));
    const { latencyErrorMs } = await stats(sim);
    const idealSeconds = (requestsPerCycle * options.latencyMs) / 1000 / options.concurrency;
    // The longest chain of dependent requests: /htap, then the session pages one after another
    // (a full last page is followed by an empty one). It bounds small fleets, not the target one.
    const chain = options.taurusdb > 0 && options.htapPerTaurus > 0 ? 2 + Math.floor(options.sessions / PAGE_SIZE) : 1;
    const criticalPathSeconds = (chain * options.latencyMs) / 1000;
    const exporterWall = median(exporterCycles.map((c) => c.wallSeconds));
    const bareWall = median(bareCycles.map((c) => c.wallSeconds));
    const exporterCpu = median(exporterCycles.map((c) => c.cpuSeconds));
    const bareCpu = median(bareCycles.map((c) => c.cpuSeconds));

    // ---- /metrics under load (skipped by --poll-only)
    const serveMetrics = async (): Promise<{ serve: Record<string, Record<string, ServeFigures>>; series: number; plainBytes: number; gzipBytes: number; prom: { series: number; buildMs: number; bytes: number } }> => {
      const server = await createExporterServer(createHandler({
        telemetryPath: '/metrics',
        exposition: () => exporter.store.current(),
        exporterMetrics: () => metrics.rendered(),
        ready: () => exporter.store.ready,
        operator: { version, telemetryPath: '/metrics', status: exporter.status, sessions: exporter.sessions },
        reload: async () => [],
        lifecycleEnabled: () => false,
      }), '', { info: () => undefined, error: () => undefined });
      const oursUrl = await listen(server);

      log('metrics: starting the static floor, the prom-client comparison and the load generator');
      // The floor: a minimal node:http server answering the bytes our server answered, as they
      // are. The children fetch those bytes themselves: copies of the exposition, decoded and
      // serialised for them here, would count in the exporter's peak RSS.
      const floorChild = Child.start('static floor server', './static-child.js');
      children.push(floorChild);
      await floorChild.waitFor('ready', 60_000);
      const floor = await floorChild.request({ type: 'start', source: oursUrl, contentType: EXPOSITION_CONTENT_TYPE }, 60_000) as
        Message & { url: string; series: number; plainBytes: number; gzipBytes: number };
      const promChild = Child.start('prom-client server', './promclient-child.js');
      children.push(promChild);
      const loader = Child.start('load generator', './load-child.js');
      children.push(loader);
      await promChild.waitFor('ready', 60_000);
      await loader.waitFor('ready', 60_000);
      const prom = await promChild.request({ type: 'build', source: oursUrl }, 300_000) as Message & { url: string; series: number; buildMs: number; bytes: number };

      const ownCpu = async (): Promise<number> => cpuSeconds(process.cpuUsage());
      const childCpu = (child: Child) => async (): Promise<number> => cpuSeconds((await child.request({ type: 'cpu' }, 30_000))['cpu'] as NodeJS.CpuUsage);
      const promCpu = childCpu(promChild);
      const servers = [
        { name: 'ours', url: oursUrl, cpu: ownCpu },
        { name: 'floor', url: floor.url, cpu: childCpu(floorChild) },
        { name: 'promClient', url: prom.url, cpu: promCpu },
      ] as const;
      const serve: Record<string, Record<string, ServeFigures>> = {};
      for (const encoding of ['gzip', 'plain'] as const) {
        const results: Record<string, Array<LoadResult & { serverCpuSeconds: number }>> = { ours: [], floor: [], promClient: [] };
        for (let r = 0; r < options.scrapeRounds; r++) {
          for (const s of servers) {
            const run = (): Promise<LoadResult & { serverCpuSeconds: number }> => load(loader, s.url, encoding === 'gzip', options, s.cpu);
            const result = s.name === 'ours' ? await profiler.phase(`serve-ours-${encoding}`, r === 0, run) : await run();
            results[s.name]?.push(result);
            log(`metrics ${encoding} round ${r + 1}: ${s.name} ${round(result.rps, 1)} scrapes/s, p99 ${round(result.p99Ms, 1)} ms`);
          }
        }
        serve[encoding] = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, summariseServe(r)]));
      }
      await closeServer(server);
      return { serve, series: floor.series, plainBytes: floor.plainBytes, gzipBytes: floor.gzipBytes, prom };
    };
    const served = options.pollOnly ? undefined : await serveMetrics();
    const maxRssEnd = process.resourceUsage().maxRSS * 1024;

    // ---- the report
    const checks: Check[] = [];
    const check = (name: string, value: number, target: string, pass: boolean): { value: number; target: string; pass: boolean } => {
      checks.push({ name, value: round(value), target, pass });
      return { value: round(value), target, pass };
    };
    const pollRatio = exporterWall / idealSeconds;
    const cpuRatio = exporterCpu / bareCpu;
    const throughput = (serve: Record<string, Record<string, ServeFigures>>, encoding: 'gzip' | 'plain'): Record<string, unknown> => {
      const s = serve[encoding] as Record<string, ServeFigures>;
      const ours = s['ours'] as ServeFigures;
      const floorFigures = s['floor'] as ServeFigures;
      const promFigures = s['promClient'] as ServeFigures;
      return {
        ours,
        floor: floorFigures,
        promClient: promFigures,
        oursOverFloor: check(`metrics_${encoding}_ours_over_floor`, ours.rps / floorFigures.rps, '>= 0.8', ours.rps / floorFigures.rps >= 0.8),
        oursOverPromClient: check(`metrics_${encoding}_ours_over_prom_client`, ours.rps / promFigures.rps, '>= 5', ours.rps / promFigures.rps >= 5),
      };
    };
    const report = {
      bench: 'huaweicloud-db-exporter',
      version,
      mode: options.quick ? 'quick' : 'full',
      source: sourceState(),
      profiled: profiler.enabled
        ? `yes${options.profilePromoted ? ' (allocations: only what young collections did not free)' : ''}: figures are distorted by the profiler, use them to find costs only`
        : 'no',
      machine: { ...machineState(), loadAvgAtStart },
      setup: {
        fleet: { projects: options.projects, gaussdb: gaussdbCount, taurusdb: taurusdbCount, htapPerTaurus: options.htapPerTaurus, sessionsPerHtap: options.sessions, sessionsTotal: ready.sessions },
        latencyMs: options.latencyMs,
        concurrency: options.concurrency,
        maxInFlight: options.concurrency,
        cycles: options.cycles,
        exporterHeapFlags: HEAP_FLAGS,
        exporterStartFlags: START_FLAGS,
        exporterStartEnv: START_ENV,
        processes: 'exporter + its /metrics server: the measuring process, alone; simulator, bare client, static floor server, prom-client server, load generator: one child process each',
      },
      poll: {
        requestsPerCycle,
        requestsByApi: exporterCycles[0]?.requestsByApi,
        bareClientRequestsPerCycle: median(bareCycles.map((c) => c.requests)),
        idealSeconds: round(idealSeconds),
        idealFormula: 'requests x latency / concurrency',
        // How far from its deadline the simulator released an answer, on average over the run (src/simulator/latency.ts).
        simulatorLatencyErrorMs: round(latencyErrorMs, 3),
        criticalPathSeconds: round(criticalPathSeconds),
        exporterSeconds: round(exporterWall),
        bareClientSeconds: round(bareWall),
        exporterCycles: exporterCycles.map((c) => round(c.wallSeconds)),
        bareClientCycles: bareCycles.map((c) => round(c.wallSeconds)),
        exporterOverIdeal: check('poll_cycle_over_ideal', pollRatio, '<= 1.15', pollRatio <= 1.15),
        bareClientOverIdeal: check('bare_client_poll_cycle_over_ideal', bareWall / idealSeconds, '<= 1.10', bareWall / idealSeconds <= 1.10),
        exporterOverBareClient: check('poll_cycle_over_bare_client', exporterWall / bareWall, '<= 1.05', exporterWall / bareWall <= 1.05),
        meanRequestMs: {
          exporter: round(median(exporterCycles.map((c) => c.meanRequestMs)), 2),
          bareClient: round(median(bareCycles.map((c) => c.meanRequestMs)), 2),
        },
        // What a client keeping every slot busy would take with the request time it actually saw.
        boundAtObservedRequestMs: {
          exporter: round((requestsPerCycle * median(exporterCycles.map((c) => c.meanRequestMs))) / 1000 / options.concurrency),
          bareClient: round((requestsPerCycle * median(bareCycles.map((c) => c.meanRequestMs))) / 1000 / options.concurrency),
        },
        targets: targetHealth,
        failedTargets,
        answerChecksum: { seed: options.seed, answers: checksum.answers, bytes: checksum.bytes, sha256: checksum.sha256 },
      },
      cpu: {
        exporterSecondsPerCycle: round(exporterCpu),
        bareClientSecondsPerCycle: round(bareCpu),
        exporterCycles: exporterCycles.map((c) => round(c.cpuSeconds)),
        bareClientCycles: bareCycles.map((c) => round(c.cpuSeconds)),
        exporterMsPerRequest: round((exporterCpu * 1000) / requestsPerCycle),
        bareClientMsPerRequest: round((bareCpu * 1000) / median(bareCycles.map((c) => c.requests))),
        exporterOverBareClient: check('cpu_per_cycle_over_bare_client', cpuRatio, '<= 1.15', cpuRatio <= 1.15),
        exporterCoreShareDuringCycle: round(exporterCpu / exporterWall, 2),
        // What the CPU per cycle splits into: the main thread, and V8's helper threads (GC, compilation).
        mainThreadSecondsPerCycle: {
          exporter: round(median(exporterCycles.map((c) => c.mainThreadCpuSeconds))),
          bareClient: round(median(bareCycles.map((c) => c.mainThreadCpuSeconds))),
        },
        helperThreadsSecondsPerCycle: {
          exporter: round(median(exporterCycles.map((c) => c.cpuSeconds - c.mainThreadCpuSeconds))),
          bareClient: round(median(bareCycles.map((c) => c.cpuSeconds - c.mainThreadCpuSeconds))),
        },
        simulatorSecondsPerCycle: {
          exporter: round(median(exporterCycles.map((c) => c.simulatorCpuSeconds))),
          bareClient: round(median(bareCycles.map((c) => c.simulatorCpuSeconds))),
        },
        simulatorMsPerAnswer: round((median([...exporterCycles, ...bareCycles].map((c) => c.simulatorCpuSeconds)) * 1000) / requestsPerCycle),
      },
      metrics: served && {
        series: served.series,
        plainBytes: served.plainBytes,
        gzipBytes: served.gzipBytes,
        promClientSeries: served.prom.series,
        promClientBytes: served.prom.bytes,
        promClientRegistryBuildMs: round(served.prom.buildMs, 0),
        scrapeClients: options.scrapeClients,
        scrapeSeconds: options.scrapeSeconds,
        scrapeRounds: options.scrapeRounds,
        gzip: throughput(served.serve, 'gzip'),
        plain: throughput(served.serve, 'plain'),
      },
      memory: {
        peakRssMB: check('peak_rss_mb', mb(maxRssEnd), '< 150', mb(maxRssEnd) < 150),
        peakRssAfterCyclesMB: mb(maxRssAfterCycles),
        rssAtStartMB: mb(rssAtStart),
        rssAfterCyclesMB: mb(rssAfterCycles.rss),
        heapTotalAfterCyclesMB: mb(rssAfterCycles.heapTotal),
        heapUsedAfterCyclesMB: mb(rssAfterCycles.heapUsed),
        externalAfterCyclesMB: mb(rssAfterCycles.external),
        rssAfterFullGcMB: mb(afterGc.rss),
        heapUsedAfterFullGcMB: mb(afterGc.heapUsed),
        bareClientPeakRssMB: mb(bareMaxRss),
      },
      ...(profiler.enabled ? { profile: profiler.summaries } : {}),
      targets: checks,
      ...(atTargetScale(options) ? {} : { note: 'the targets are set for the target scale (the defaults); at this size the figures are for comparison only' }),
      valid: failedTargets === 0 && Object.values(served?.serve ?? {}).every((s) => Object.values(s).every((f) => f.errors === 0)),
      allPass: checks.every((c) => c.pass),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    profiler.close();
    await Promise.all(children.map((child) => child.stop()));
    clearTimeout(hardDeadline);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
