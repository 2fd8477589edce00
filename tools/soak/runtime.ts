// The exporter's polling machinery for the soak, built by the exporter's own buildPolling (per
// project a transport, an authenticator, a limiter and a client; the instance directory with
// discovery; the collectors of the list), with their jobs committing to one snapshot store, but kept
// alive across thousands of back-to-back polls instead of being driven by cron, and with a retry
// backoff scaled down to the accelerated pace. Everything else is the production code path.
import type { RetryPolicy } from '../../src/cloud/retry.js';
import { COLLECTOR_DEFINITIONS } from '../../src/collectors/index.js';
import type { Config } from '../../src/config/types.js';
import { SINGLE_SHARD, type InstanceDirectory } from '../../src/discovery.js';
import { buildPolling } from '../../src/exporter.js';
import type { Logger } from '../../src/log.js';
import type { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { SnapshotStore } from '../../src/metrics/snapshot.js';
import { Scheduler, collectorJob, type Job } from '../../src/scheduler.js';

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
  const { directory, collectors, transports } = buildPolling(config, { metrics, log, shard: SINGLE_SHARD, retryPolicy });
  const store = new SnapshotStore(COLLECTOR_DEFINITIONS);
  const jobs = new Map(collectors.map((c) => [c.name, collectorJob({ ...c, schedule: UNSCHEDULED }, store, metrics, log)]));
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
