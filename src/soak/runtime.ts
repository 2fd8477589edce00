// The exporter's polling machinery for the soak, wired as Exporter.build wires it (per project a
// transport, an authenticator, a limiter and a client; the instance directory with discovery; the
// three collectors over one HTAP inventory; their jobs committing to one snapshot store), but kept
// alive across thousands of back-to-back polls instead of being driven by cron, and with a retry
// backoff scaled down to the accelerated pace. Everything else is the production code path.
import { AkSkAuthenticator, FixedTokenAuthenticator, type Authenticator } from '../cloud/auth.js';
import { ProjectClient } from '../cloud/client.js';
import { GaussDbApi } from '../cloud/gaussdb.js';
import { IamTokenAuthenticator } from '../cloud/iam.js';
import { AdaptiveLimiter } from '../cloud/limiter.js';
import type { RetryPolicy } from '../cloud/retry.js';
import { TaurusDbApi } from '../cloud/taurusdb.js';
import { DEFAULT_MAX_BODY_BYTES, HttpTransport } from '../cloud/transport.js';
import { HtapInstancesCollector } from '../collectors/htap-instances.js';
import { HtapInventory } from '../collectors/htap-inventory.js';
import { HtapProcessesCollector } from '../collectors/htap-processes.js';
import { SessionOverviewCollector } from '../collectors/session-overview.js';
import type { Config, ProjectConfig } from '../config/types.js';
import { InstanceDirectory, SINGLE_SHARD, type ProjectTargets } from '../discovery.js';
import type { Logger } from '../log.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';
import { SnapshotStore } from '../metrics/snapshot.js';
import { Scheduler, collectorJob, type Job } from '../scheduler.js';

/** Never fires: the soak runs the jobs itself. */
const UNSCHEDULED = '0 0 1 1 *';

export interface SoakRuntime {
  store: SnapshotStore;
  directory: InstanceDirectory;
  /** the collector jobs by collector name */
  jobs: Map<string, Job>;
  /** one poll of every collector, concurrently, each under `deadlineMs` */
  pollAll(): Promise<void>;
  /** one poll of one collector */
  poll(name: string): Promise<void>;
  discover(): Promise<void>;
  stop(): Promise<void>;
}

export function buildRuntime(config: Config, retryPolicy: RetryPolicy, deadlineMs: number, metrics: ExporterMetrics, log: Logger): SoakRuntime {
  const everyProject = new AdaptiveLimiter(config.http.maxInFlight);
  const transports: HttpTransport[] = [];
  const projects: ProjectTargets[] = config.projects.map((project) => {
    const transport = new HttpTransport({
      timeoutMs: config.http.timeoutMs, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxSockets: config.http.concurrency, metrics,
    });
    transports.push(transport);
    const client = new ProjectClient({
      projectId: project.projectId,
      region: project.region,
      endpoints: project.endpoints,
      auth: authenticator(project, transport, retryPolicy, metrics),
      transport,
      limiter: new AdaptiveLimiter(config.http.concurrency),
      globalLimiter: everyProject,
      retryPolicy,
      metrics,
    });
    return {
      project: { projectId: project.projectId, region: project.region },
      gaussdb: { settings: project.gaussdb, api: new GaussDbApi(client) },
      taurusdb: { settings: project.taurusdb, api: new TaurusDbApi(client) },
    };
  });
  const directory = new InstanceDirectory(projects, SINGLE_SHARD, metrics, log);
  const inventory = new HtapInventory();
  const collectors = [
    new SessionOverviewCollector(directory),
    new HtapInstancesCollector(directory, inventory),
    new HtapProcessesCollector(directory, inventory, config.collectors.htapProcesses),
  ];
  const store = new SnapshotStore(collectors);
  const jobs = new Map(collectors.map((c) => [c.name as string, collectorJob(c, UNSCHEDULED, store, metrics, log)]));
  const scheduler = new Scheduler([...jobs.values()], metrics, log, deadlineMs);
  // The soak awaits each call before the next and before stop(), so a deadline is all it needs
  // (and AbortSignal.any with a long-lived signal would leave a WeakRef behind on every call).
  const signal = (): AbortSignal => AbortSignal.timeout(deadlineMs);
  return {
    store,
    directory,
    jobs,
    pollAll: () => scheduler.runAll(),
    async poll(name) {
      const job = jobs.get(name);
      if (!job) throw new Error(`no collector ${name}`);
      await job.run(signal());
    },
    discover: () => directory.discover(signal()),
    async stop() {
      await scheduler.stop();
      for (const transport of transports) transport.close();
    },
  };
}

function authenticator(project: ProjectConfig, transport: HttpTransport, retryPolicy: RetryPolicy, metrics: ExporterMetrics): Authenticator {
  const { auth } = project;
  switch (auth.type) {
    case 'aksk':
      return new AkSkAuthenticator({ accessKey: auth.accessKey, secretKey: auth.secretKey });
    case 'token':
      return new FixedTokenAuthenticator(auth.token);
    case 'password':
      return new IamTokenAuthenticator(project.endpoints.iam, project.projectId, auth, transport, retryPolicy, metrics);
  }
}
