// Wires a configuration into a running exporter: per project a transport, an authenticator, a
// concurrency limiter and a client; the instance directory (configured + discovered instances,
// this replica's shard); the collectors of src/collectors/index.ts over it; the scheduler that
// runs them into the snapshot store. A reload builds the whole runtime afresh from the new configuration and swaps
// it in; the store (and so /metrics) carries over.
import { isDeepStrictEqual } from 'node:util';
import { AkSkAuthenticator, FixedTokenAuthenticator, type Authenticator } from './cloud/auth.js';
import { AnswerAnomalies } from './cloud/anomalies.js';
import { AuthBreakers } from './cloud/auth-breaker.js';
import { ProjectClient } from './cloud/client.js';
import { errorFields } from './cloud/errors.js';
import { GAUSSDB_APIS, GaussDbApi } from './cloud/gaussdb.js';
import { IAM_API, IamTokenAuthenticator } from './cloud/iam.js';
import { METADATA_ENDPOINT, MetadataCredentialSource } from './cloud/credentials/metadata.js';
import { TemporaryKeyAuthenticator } from './cloud/credentials/temporary-keys.js';
import { WorkloadIdentityCredentialSource } from './cloud/credentials/workload-identity.js';
import { AdaptiveLimiter } from './cloud/limiter.js';
import type { RetryPolicy } from './cloud/retry.js';
import { TAURUSDB_APIS, TaurusDbApi } from './cloud/taurusdb.js';
import { DEFAULT_MAX_BODY_BYTES, HttpTransport } from './cloud/transport.js';
import type { CollectorContext, ScheduledCollector } from './collectors/collector.js';
import { HtapInventory } from './collectors/htap-inventory.js';
import { COLLECTOR_DEFINITIONS } from './collectors/index.js';
import { TopSessionsStore } from './collectors/top-sessions.js';
import type { Config, ProjectConfig, ScheduleConfig } from './config/types.js';
import { InstanceDirectory, SINGLE_SHARD, type ProjectTargets, type Shard } from './discovery.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import { SnapshotStore } from './metrics/snapshot.js';
import { Scheduler, collectorJob, withDeadline } from './scheduler.js';
import { StatusBoard } from './status/target-status.js';

interface Runtime {
  directory: InstanceDirectory;
  scheduler: Scheduler;
  transports: HttpTransport[];
  /** aborts the discovery that runs before the first polls */
  starting: AbortController;
  /** deadline of a run outside any schedule: discovery before the first polls, start-up, --once */
  unscheduledDeadlineMs: number;
}

export class Exporter {
  readonly store: SnapshotStore;
  /** what the status page shows; carries over reloads like the store */
  readonly status = new StatusBoard();
  /** what /sessions shows; carries over reloads too */
  readonly sessions = new TopSessionsStore();
  private runtime: Runtime | undefined;
  private stopped = false;
  private readonly breakers: AuthBreakers;

  constructor(
    private config: Config,
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
    private readonly shard: Shard = SINGLE_SHARD,
    /** called whenever no poll is in flight (tuneHeap's collection after polls) */
    private readonly whenIdle?: () => void,
  ) {
    this.store = new SnapshotStore(COLLECTOR_DEFINITIONS);
    this.breakers = authBreakers(metrics, log);
    metrics.declare([...COLLECTOR_DEFINITIONS.map((c) => c.name), 'discovery'], [...GAUSSDB_APIS, ...TAURUSDB_APIS, IAM_API]);
  }

  /** Discovers instances (where configured), then polls every target now and on schedule. */
  async start(): Promise<void> {
    if (this.stopped) return;
    const runtime = this.build(this.config);
    this.runtime = runtime;
    await this.discoverFirst(runtime);
    if (this.runtime === runtime && !runtime.starting.signal.aborted) runtime.scheduler.start();
  }

  /** Polls every target once (for --once); resolves when every collector has committed. */
  async pollOnce(): Promise<void> {
    const runtime = this.build(this.config);
    try {
      await this.discoverFirst(runtime);
      await runtime.scheduler.runAll();
    } finally {
      await this.teardown(runtime);
    }
  }

  /**
   * Swaps in a new configuration. One that polls as the running one does keeps the running
   * pollers and their schedule (resolves false). Otherwise the old runtime finishes and commits
   * the polls it has in flight, each within its deadline, so reloads never starve polling; then
   * the new one polls at once (resolves true).
   */
  async reload(config: Config): Promise<boolean> {
    const previous = this.config;
    this.config = config;
    const runtime = this.runtime;
    if (runtime && pollsAlike(previous, config)) return false;
    if (runtime) await this.teardown(runtime, 'drain');
    await this.start();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const runtime = this.runtime;
    this.runtime = undefined;
    if (runtime) await this.teardown(runtime);
  }

  private async discoverFirst(runtime: Runtime): Promise<void> {
    if (!runtime.directory.discovers) return;
    await withDeadline(runtime.starting.signal, runtime.unscheduledDeadlineMs, (signal) => runtime.directory.discover(signal));
  }

  /** `drain` lets the runs in flight finish and commit; otherwise they are aborted. */
  private async teardown(runtime: Runtime, mode?: 'drain'): Promise<void> {
    runtime.starting.abort();
    if (mode === 'drain') await runtime.scheduler.drain();
    await runtime.scheduler.stop();
    for (const transport of runtime.transports) transport.close();
  }

  private build(config: Config): Runtime {
    const retryPolicy = defaultRetryPolicy(config);
    const { directory, collectors, transports } = buildPolling(config, {
      metrics: this.metrics, log: this.log, shard: this.shard, retryPolicy, breakers: this.breakers, sessions: this.sessions,
    });
    this.store.gracePolls = config.collectors.grace_polls;
    const jobs = collectors.map((collector) => collectorJob(collector, this.store, this.metrics, this.log, config.http.maxInFlight, this.status));
    if (directory.discovers) jobs.push(directory.job(config.collectors.discovery.schedule));
    // Outside a schedule (start-up, --once) a run may take every retry of a request, with their backoff.
    const unscheduledDeadlineMs = config.http.timeoutMs * (config.http.retries + 1) + retryPolicy.maxDelayMs;
    return {
      directory,
      scheduler: new Scheduler(jobs, this.metrics, this.log, unscheduledDeadlineMs, this.whenIdle),
      transports,
      starting: new AbortController(),
      unscheduledDeadlineMs,
    };
  }
}

/** Whether two configurations poll the same targets the same way (web and log level aside). */
function pollsAlike(a: Config, b: Config): boolean {
  return isDeepStrictEqual([a.collectors, a.http, a.projects], [b.collectors, b.http, b.projects]);
}

export function defaultRetryPolicy(config: Config): RetryPolicy {
  return { retries: config.http.retries, baseDelayMs: 200, maxDelayMs: 10_000 };
}

export interface PollingDeps {
  metrics: ExporterMetrics;
  log: Logger;
  shard: Shard;
  retryPolicy: RetryPolicy;
  /** the projects' authentication breakers; the exporter's outlive reloads */
  breakers?: AuthBreakers;
  sessions?: TopSessionsStore;
}

/** What polls: per project a transport, an authenticator, a limiter and a client; the instance
 *  directory over them; the three collectors over the directory. Scheduling is the caller's. */
export function buildPolling(config: Config, deps: PollingDeps): { directory: InstanceDirectory; collectors: ScheduledCollector[]; transports: HttpTransport[] } {
  const { metrics, retryPolicy } = deps;
  const breakers = deps.breakers ?? authBreakers(metrics, deps.log);
  const everyProject = new AdaptiveLimiter(config.http.maxInFlight);
  const anomalies = new AnswerAnomalies(metrics, deps.log);
  const transports: HttpTransport[] = [];
  const projects: ProjectTargets[] = config.projects.map((project) => {
    const transport = new HttpTransport({
      timeoutMs: config.http.timeoutMs, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxSockets: config.http.concurrency, metrics, log: deps.log,
    });
    transports.push(transport);
    const client = new ProjectClient({
      projectId: project.projectId,
      region: project.region,
      endpoints: project.endpoints,
      auth: authenticator(project, transport, retryPolicy, metrics, deps.log),
      transport,
      limiter: new AdaptiveLimiter(config.http.concurrency),
      globalLimiter: everyProject,
      retryPolicy,
      metrics,
      anomalies,
      breaker: breakers.of(project.projectId, [project.endpoints.iam, project.auth]),
    });
    return {
      project: { projectId: project.projectId, region: project.region },
      gaussdb: { settings: project.gaussdb, api: new GaussDbApi(client) },
      taurusdb: { settings: project.taurusdb, api: new TaurusDbApi(client) },
    };
  });
  const directory = new InstanceDirectory(projects, deps.shard, metrics, deps.log);
  return { directory, collectors: collectorsFor(config, { source: directory, inventory: new HtapInventory(directory.refused), sessions: deps.sessions }), transports };
}

export function authBreakers(metrics: ExporterMetrics, log: Logger): AuthBreakers {
  return new AuthBreakers(metrics, (projectId, refusal, retryAt) => log.error({
    project_id: projectId, ...errorFields(refusal), retry_at: new Date(retryAt).toISOString(),
  }, 'authentication refused: no request of this project is sent until the back-off ends (see docs/authentication-lockout.md)'));
}

function authenticator(project: ProjectConfig, transport: HttpTransport, retryPolicy: RetryPolicy, metrics: ExporterMetrics, log: Logger): Authenticator {
  const { auth, projectId } = project;
  switch (auth.type) {
    case 'aksk':
      return new AkSkAuthenticator({ accessKey: auth.accessKey, secretKey: auth.secretKey, securityToken: auth.securityToken });
    case 'token':
      return new FixedTokenAuthenticator(auth.token);
    case 'password':
      return new IamTokenAuthenticator(project.endpoints.iam, project.projectId, auth, transport, retryPolicy, metrics);
    case 'metadata': {
      const source = new MetadataCredentialSource(project.endpoints.metadata ?? METADATA_ENDPOINT, transport, retryPolicy, metrics);
      return new TemporaryKeyAuthenticator({ projectId, kind: 'metadata', fetch: () => source.fetch(), metrics, log });
    }
    case 'workload_identity': {
      const source = new WorkloadIdentityCredentialSource({ iamEndpoint: project.endpoints.iam, ...auth }, transport, retryPolicy, metrics);
      return new TemporaryKeyAuthenticator({ projectId, kind: 'workload_identity', fetch: () => source.fetch(), metrics, log });
    }
  }
}

function collectorsFor(config: Config, context: CollectorContext): ScheduledCollector[] {
  // The list pairs each definition with the section its own schema parsed (config/schema.ts).
  const { grace_polls: _everyCollector, ...perCollector } = config.collectors;
  const sections: Readonly<Record<string, ScheduleConfig>> = perCollector;
  return COLLECTOR_DEFINITIONS.map((definition) => {
    const settings = sections[definition.name];
    if (!settings) throw new Error(`no settings for collector ${definition.name}`);
    return { name: definition.name, schedule: settings.schedule, collector: definition.create(context, settings) };
  });
}
