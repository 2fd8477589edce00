// Runs each collector on its node-cron schedule, plus once right at start-up. A poll that is
// still running when its next turn comes makes that turn skip (and count) rather than pile up.
// Every poll has a deadline, its schedule's interval, so one hanging target cannot hold a
// collector for longer than one turn.
import cron, { type ScheduledTask } from 'node-cron';
import type { Collector } from './collectors/collector.js';
import { errorFields } from './cloud/errors.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import { Poll, type SnapshotStore } from './metrics/snapshot.js';

export interface ScheduledCollector {
  collector: Collector;
  schedule: string;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly entries: readonly ScheduledCollector[],
    private readonly store: SnapshotStore,
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
    /** deadline of a poll outside any schedule (start-up, --once) */
    private readonly defaultDeadlineMs: number,
  ) {}

  /** Polls every collector now, then on its schedule. */
  start(): void {
    const cronLogger = {
      info: (message: string) => this.log.debug({ source: 'node-cron' }, message),
      warn: (message: string) => this.log.debug({ source: 'node-cron' }, message),
      error: (message: string | Error) => this.log.error({ source: 'node-cron' }, String(message)),
      debug: (message: string | Error) => this.log.trace({ source: 'node-cron' }, String(message)),
    };
    for (const { collector, schedule } of this.entries) {
      const task = cron.schedule(schedule, () => this.poll(collector, this.intervalOf(task)), {
        name: collector.name, noOverlap: true, logger: cronLogger,
      });
      task.on('execution:overlap', () => this.skipped(collector));
      this.tasks.push(task);
      void this.poll(collector, this.defaultDeadlineMs);
    }
  }

  /** Polls every collector once, concurrently; resolves when all have committed. */
  async pollAll(): Promise<void> {
    await Promise.all(this.entries.map(({ collector }) => this.poll(collector, this.defaultDeadlineMs)));
  }

  /** Stops scheduling, aborts polls in flight and waits for them to wind down. */
  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks.length = 0;
    this.stopping.abort(new Error('exporter stopping'));
    await Promise.allSettled(this.running.values());
  }

  private poll(collector: Collector, deadlineMs: number): Promise<void> {
    const inFlight = this.running.get(collector.name);
    if (inFlight) {
      this.skipped(collector);
      return inFlight;
    }
    const run = this.runPoll(collector, deadlineMs).finally(() => this.running.delete(collector.name));
    this.running.set(collector.name, run);
    return run;
  }

  private async runPoll(collector: Collector, deadlineMs: number): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const poll = new Poll(collector.name);
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(deadlineMs)]);
    const stopTimer = this.metrics.pollDuration.startTimer({ collector: collector.name });
    try {
      await collector.collect(poll, signal);
    } catch (error) {
      // A collector reports target failures through poll.run; reaching here is a bug in it.
      this.log.error({ collector: collector.name, ...errorFields(error) }, 'collector failed outside any target');
    }
    const seconds = stopTimer();
    if (this.stopping.signal.aborted) return; // a poll cut short by shutdown publishes nothing
    this.store.commit(poll);
    const failures = poll.failures;
    for (const [targetId, error] of failures) {
      this.log.warn({ collector: collector.name, instance_id: targetId, ...errorFields(error) }, 'target poll failed');
    }
    this.metrics.polls.inc({ collector: collector.name, result: failures.length === 0 ? 'success' : 'partial_failure' });
    this.metrics.targets.set({ collector: collector.name }, poll.targets.size);
    this.log.info({
      collector: collector.name, targets: poll.targets.size, failed: failures.length, duration_ms: Math.round(seconds * 1000),
    }, 'poll finished');
  }

  private skipped(collector: Collector): void {
    this.metrics.pollsSkipped.inc({ collector: collector.name });
    this.log.warn({ collector: collector.name }, 'poll skipped: the previous poll is still running');
  }

  private intervalOf(task: ScheduledTask): number {
    const [next, after] = task.getNextRuns(2);
    return next && after ? Math.max(1000, after.getTime() - next.getTime()) : this.defaultDeadlineMs;
  }
}
