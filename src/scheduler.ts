// Runs jobs on their node-cron schedules, plus once right at start-up. A job still running when
// its next turn comes makes that turn skip (and count) rather than pile up. Every run has a
// deadline, nine tenths of its schedule's interval, so one hanging target cannot hold a job past
// one turn.
//
// A job is a collector's poll (collectorJob: poll, then commit to the snapshot store) or
// instance discovery.
import cron, { type ScheduledTask } from 'node-cron';
import { errorFields } from './cloud/errors.js';
import { MAX_TIMER_MS } from './config/duration.js';
import type { ScheduledCollector } from './collectors/collector.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import { Poll, targetLabels, type SnapshotStore } from './metrics/snapshot.js';
import type { StatusBoard } from './status/target-status.js';

export interface Job {
  /** the `collector` label of its self-metrics */
  readonly name: string;
  readonly schedule: string;
  /** false when the owner runs it before starting the scheduler (discovery) */
  readonly runAtStart: boolean;
  run(signal: AbortSignal): Promise<void>;
  /** told when its schedule starts, with a way to ask for the next turn */
  scheduledBy?(nextRun: () => Date | null): void;
  /** told when a turn is skipped because the previous run is still going */
  skipped?(): void;
}

/** The abort reason when the scheduler stops: work cut short by it publishes nothing. */
export class SchedulerStopped extends Error {
  constructor() {
    super('exporter stopping');
  }
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly jobs: readonly Job[],
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
    /** deadline of a run outside any schedule (start-up, --once) */
    private readonly defaultDeadlineMs: number,
    /** called whenever the last run in flight has finished */
    private readonly whenIdle?: () => void,
  ) {}

  /** Runs every job now, then on its schedule. */
  start(): void {
    const cronLogger = {
      info: (message: string) => this.log.debug({ source: 'node-cron' }, message),
      warn: (message: string) => this.log.debug({ source: 'node-cron' }, message),
      error: (message: string | Error) => this.log.error({ source: 'node-cron' }, String(message)),
      debug: (message: string | Error) => this.log.trace({ source: 'node-cron' }, String(message)),
    };
    for (const job of this.jobs) {
      const task = cron.schedule(job.schedule, () => this.run(job, this.intervalOf(task)), {
        name: job.name, noOverlap: true, logger: cronLogger,
      });
      task.on('execution:overlap', () => this.skipped(job));
      job.scheduledBy?.(() => task.getNextRun());
      this.tasks.push(task);
      if (job.runAtStart) void this.run(job, this.defaultDeadlineMs);
    }
  }

  /** Runs every job that runs at start once, concurrently; resolves when all have finished. */
  async runAll(): Promise<void> {
    await Promise.all(this.jobs.filter((job) => job.runAtStart).map((job) => this.run(job, this.defaultDeadlineMs)));
  }

  /** Stops scheduling and waits for the runs in flight to finish, each within its deadline. */
  async drain(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks.length = 0;
    await Promise.allSettled(this.running.values());
  }

  /** Stops scheduling, aborts runs in flight and waits for them to wind down. */
  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks.length = 0;
    this.stopping.abort(new SchedulerStopped());
    await Promise.allSettled(this.running.values());
  }

  private run(job: Job, deadlineMs: number): Promise<void> {
    const inFlight = this.running.get(job.name);
    if (inFlight) {
      this.skipped(job);
      return inFlight;
    }
    if (this.stopping.signal.aborted) return Promise.resolve();
    const run = withDeadline(this.stopping.signal, deadlineMs, (signal) => job.run(signal))
      .catch((error: unknown) => this.log.error({ collector: job.name, ...errorFields(error) }, 'job failed'))
      .finally(() => {
        this.running.delete(job.name);
        if (this.running.size === 0) this.whenIdle?.();
      });
    this.running.set(job.name, run);
    return run;
  }

  private skipped(job: Job): void {
    this.metrics.pollsSkipped.inc({ collector: job.name });
    job.skipped?.();
    this.log.warn({ collector: job.name }, 'poll skipped: the previous poll is still running');
  }

  /** A run's deadline: nine tenths of its schedule's interval, so a run cut at its deadline
   *  ends before the next turn rather than making that turn skip. */
  private intervalOf(task: ScheduledTask): number {
    const [next, after] = task.getNextRuns(2);
    return next && after ? Math.max(1000, Math.floor((after.getTime() - next.getTime()) * 0.9)) : this.defaultDeadlineMs;
  }
}


/**
 * Runs `work` with a signal that aborts when `parent` does (with its reason) or `deadlineMs`
 * passes. A plain controller and timer, cleared when the work ends: on Node 20 a timeout signal
 * combined with AbortSignal.any is held weakly and can be collected mid-run, deadline and all.
 */
export async function withDeadline<T>(parent: AbortSignal, deadlineMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException('deadline passed', 'TimeoutError')), Math.min(deadlineMs, MAX_TIMER_MS));
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}

/** A collector's poll as a job: every target polled, then the whole poll committed at once. */
export function collectorJob({ name, schedule, collector }: ScheduledCollector, store: SnapshotStore, metrics: ExporterMetrics,
  log: Logger, parallelism?: number, status?: StatusBoard): Job {
  return {
    name,
    schedule,
    runAtStart: true,
    scheduledBy: (nextRun) => status?.scheduled(name, schedule, nextRun),
    skipped: () => status?.skipped(name),
    async run(signal) {
      const poll = new Poll(name, parallelism);
      const stopTimer = metrics.pollDuration.startTimer({ collector: name });
      // A collector reports target failures through poll.run; a throw here is a bug in it.
      await collector.collect(poll, signal);
      const seconds = stopTimer();
      if (signal.reason instanceof SchedulerStopped) return; // a poll cut short by shutdown publishes nothing
      store.commit(poll);
      status?.record(poll, seconds * 1000);
      const failures = poll.failures;
      for (const [targetId, error] of failures) {
        const described = poll.described.get(targetId);
        // By name and every id, so that the line alone tells the on-call which target failed.
        log.warn({ collector: name, ...targetLabels(targetId, described), name: described?.name, ...errorFields(error) }, 'target poll failed');
      }
      metrics.polls.inc({ collector: name, result: failures.length === 0 ? 'success' : 'partial_failure' });
      metrics.targets.set({ collector: name }, poll.targets.size);
      log.info({
        collector: name, targets: poll.targets.size, failed: failures.length, duration_ms: Math.round(seconds * 1000),
      }, 'poll finished');
    },
  };
}
