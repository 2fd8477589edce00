// Wires a configuration into a running exporter: per project a transport, an authenticator, a
// concurrency limiter and a client; the three collectors over those clients; the scheduler that
// polls them into the snapshot store. A reload builds the whole runtime afresh from the new
// configuration and swaps it in; the store (and so /metrics) carries over.
import { AkSkAuthenticator, FixedTokenAuthenticator, type Authenticator } from './cloud/auth.js';
import { ProjectClient } from './cloud/client.js';
import { GaussDbApi } from './cloud/gaussdb.js';
import { IamTokenAuthenticator } from './cloud/iam.js';
import { AdaptiveLimiter } from './cloud/limiter.js';
import type { RetryPolicy } from './cloud/retry.js';
import { TaurusDbApi } from './cloud/taurusdb.js';
import { DEFAULT_MAX_BODY_BYTES, HttpTransport } from './cloud/transport.js';
import type { Collector } from './collectors/collector.js';
import { HtapInstancesCollector } from './collectors/htap-instances.js';
import { HtapInventory } from './collectors/htap-inventory.js';
import { HtapProcessesCollector } from './collectors/htap-processes.js';
import { SessionOverviewCollector } from './collectors/session-overview.js';
import type { GaussDbTarget, TargetSource, TaurusDbTarget } from './collectors/targets.js';
import type { AuthConfig, Config, ProjectConfig } from './config/types.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import { SnapshotStore } from './metrics/snapshot.js';
import { Scheduler } from './scheduler.js';

interface Runtime {
  collectors: Collector[];
  scheduler: Scheduler;
  transports: HttpTransport[];
}

export class Exporter {
  readonly store: SnapshotStore;
  private runtime: Runtime | undefined;

  constructor(
    private config: Config,
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
  ) {
    // Every runtime has the same three collectors; their order is the order on /metrics.
    this.store = new SnapshotStore(this.collectorsFor(config, emptySource(), new HtapInventory()));
  }

  get currentConfig(): Config {
    return this.config;
  }

  /** Polls every target now and then on schedule. */
  start(): void {
    this.runtime = this.build(this.config);
    this.runtime.scheduler.start();
  }

  /** Polls every target once (for --once); resolves when every collector has committed. */
  async pollOnce(): Promise<void> {
    const runtime = this.build(this.config);
    try {
      await runtime.scheduler.pollAll();
    } finally {
      await this.teardown(runtime);
    }
  }

  /** Swaps in a new configuration: the old runtime stops, the new one polls at once. */
  async reload(config: Config): Promise<void> {
    const previous = this.runtime;
    this.config = config;
    this.runtime = this.build(config);
    if (previous) await this.teardown(previous);
    this.runtime.scheduler.start();
  }

  async stop(): Promise<void> {
    if (this.runtime) await this.teardown(this.runtime);
    this.runtime = undefined;
  }

  private async teardown(runtime: Runtime): Promise<void> {
    await runtime.scheduler.stop();
    for (const transport of runtime.transports) transport.close();
  }

  private build(config: Config): Runtime {
    const retryPolicy: RetryPolicy = { retries: config.http.retries, baseDelayMs: 200, maxDelayMs: 10_000 };
    const transports: HttpTransport[] = [];
    const gaussdb: GaussDbTarget[] = [];
    const taurusdb: TaurusDbTarget[] = [];
    for (const project of config.projects) {
      const transport = new HttpTransport({
        timeoutMs: config.http.timeoutMs, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxSockets: config.http.concurrency, metrics: this.metrics,
      });
      transports.push(transport);
      const client = new ProjectClient({
        projectId: project.projectId,
        region: project.region,
        endpoints: project.endpoints,
        auth: this.authenticator(project, transport, retryPolicy),
        transport,
        limiter: new AdaptiveLimiter(config.http.concurrency),
        retryPolicy,
        metrics: this.metrics,
      });
      const info = { projectId: project.projectId, region: project.region };
      const gaussApi = new GaussDbApi(client);
      const taurusApi = new TaurusDbApi(client);
      for (const instance of project.gaussdb.instances) gaussdb.push({ project: info, instance, api: gaussApi });
      for (const instance of project.taurusdb.instances) taurusdb.push({ project: info, instance, api: taurusApi });
    }
    const collectors = this.collectorsFor(config, { gaussdb: () => gaussdb, taurusdb: () => taurusdb }, new HtapInventory());
    const schedules = config.collectors;
    const entries = collectors.map((collector) => ({
      collector,
      schedule: { session_overview: schedules.sessionOverview, htap_instances: schedules.htapInstances, htap_processes: schedules.htapProcesses }[collector.name].schedule,
    }));
    // Outside a schedule a poll may take every retry of a request, with their backoff.
    const defaultDeadlineMs = config.http.timeoutMs * (config.http.retries + 1) + retryPolicy.maxDelayMs;
    return { collectors, scheduler: new Scheduler(entries, this.store, this.metrics, this.log, defaultDeadlineMs), transports };
  }

  private collectorsFor(config: Config, source: TargetSource, inventory: HtapInventory): Collector[] {
    return [
      new SessionOverviewCollector(source),
      new HtapInstancesCollector(source, inventory),
      new HtapProcessesCollector(source, inventory, config.collectors.htapProcesses),
    ];
  }

  private authenticator(project: ProjectConfig, transport: HttpTransport, retryPolicy: RetryPolicy): Authenticator {
    const auth: AuthConfig = project.auth;
    switch (auth.type) {
      case 'aksk':
        return new AkSkAuthenticator({ accessKey: auth.accessKey, secretKey: auth.secretKey });
      case 'token':
        return new FixedTokenAuthenticator(auth.token);
      case 'password':
        return new IamTokenAuthenticator(project.endpoints.iam, project.projectId, auth, transport, retryPolicy, this.metrics);
    }
  }
}

function emptySource(): TargetSource {
  return { gaussdb: () => [], taurusdb: () => [] };
}
