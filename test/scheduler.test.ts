import { describe, expect, it } from '@jest/globals';
import type { Collector } from '../src/collectors/collector.js';
import { ExporterMetrics } from '../src/metrics/exporter-metrics.js';
import { SnapshotStore, gaugeFamily, type Poll } from '../src/metrics/snapshot.js';
import { fullCollection } from '../src/heap-tuning.js';
import { Scheduler, collectorJob, withDeadline } from '../src/scheduler.js';
import { captureLogs } from './support/logs.js';

const FAMILY = gaugeFamily('test_polls', 'Polls so far.', []);

/** A collector whose polls last until released, counting how many started. */
class GatedCollector implements Collector {
  started = 0;
  signals: AbortSignal[] = [];
  private release: (() => void) | undefined;

  async collect(poll: Poll, signal: AbortSignal): Promise<void> {
    this.started += 1;
    this.signals.push(signal);
    await new Promise<void>((resolve) => {
      this.release = resolve;
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await poll.run('target', async (samples) => {
      signal.throwIfAborted();
      samples.set(FAMILY, {}, this.started);
    });
  }

  finish(): void {
    this.release?.();
  }
}

async function counterValue(metrics: ExporterMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

describe('Scheduler', () => {
  it('polls at start-up, skips and counts turns while a poll runs, and commits when it ends', async () => {
    const collector = new GatedCollector();
    const store = new SnapshotStore([{ name: 'session_overview', families: [FAMILY] }]);
    const metrics = new ExporterMetrics('test');
    const { logger, records } = captureLogs('scheduler');
    const scheduler = new Scheduler([collectorJob({ name: 'session_overview', schedule: '* * * * * *', collector }, store, metrics, logger)], metrics, logger, 30_000);
    scheduler.start();
    expect(collector.started).toBe(1);
    await new Promise((r) => setTimeout(r, 2_300)); // two or three cron turns pass while the first poll hangs
    expect(collector.started).toBe(1);
    const skipped = await counterValue(metrics, 'huaweicloud_db_exporter_polls_skipped_total', { collector: 'session_overview' });
    expect(skipped).toBeGreaterThanOrEqual(2);
    expect(store.ready).toBe(false);
    collector.finish();
    await new Promise((r) => setTimeout(r, 50));
    expect(store.ready).toBe(true);
    expect(store.current().text).toContain('test_polls 1\n');
    expect(records().filter((r) => r.msg === 'poll skipped: the previous poll is still running').length).toBe(skipped);
    await scheduler.stop();
  });

  it('aborts the poll in flight on stop and publishes nothing of it', async () => {
    const collector = new GatedCollector();
    const store = new SnapshotStore([{ name: 'session_overview', families: [FAMILY] }]);
    const metrics = new ExporterMetrics('test');
    const { logger } = captureLogs('scheduler-stop');
    const scheduler = new Scheduler([collectorJob({ name: 'session_overview', schedule: '0 0 1 1 *', collector }, store, metrics, logger)], metrics, logger, 30_000);
    scheduler.start();
    await scheduler.stop();
    expect(collector.signals[0]?.aborted).toBe(true);
    expect(store.ready).toBe(false);
  });

  it('tells when the last poll in flight has finished, not before', async () => {
    const first = new GatedCollector();
    const second = new GatedCollector();
    const store = new SnapshotStore([{ name: 'session_overview', families: [FAMILY] }, { name: 'htap_processes', families: [] }]);
    const metrics = new ExporterMetrics('test');
    const { logger } = captureLogs('scheduler-idle');
    let idle = 0;
    const scheduler = new Scheduler([
      collectorJob({ name: 'session_overview', schedule: '0 0 1 1 *', collector: first }, store, metrics, logger),
      collectorJob({ name: 'htap_processes', schedule: '0 0 1 1 *', collector: second }, store, metrics, logger),
    ], metrics, logger, 30_000, () => { idle += 1; });
    const all = scheduler.runAll();
    first.finish();
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(0);
    second.finish();
    await all;
    expect(idle).toBe(1);
    await scheduler.stop();
  });

  it('gives every poll a deadline', async () => {
    const collector = new GatedCollector();
    const store = new SnapshotStore([{ name: 'session_overview', families: [FAMILY] }]);
    const metrics = new ExporterMetrics('test');
    const { logger } = captureLogs('scheduler-deadline');
    const scheduler = new Scheduler([collectorJob({ name: 'session_overview', schedule: '0 0 1 1 *', collector }, store, metrics, logger)], metrics, logger, 200);
    await scheduler.runAll();
    expect(collector.signals[0]?.aborted).toBe(true);
    expect(store.current().text).toContain('huaweicloud_db_up{collector="session_overview",instance_id="target"} 0');
    await scheduler.stop();
  });
});

describe('withDeadline', () => {
  it('aborts at the deadline even when a garbage collection runs meanwhile', async () => {
    const gc = fullCollection();
    const started = Date.now();
    const reason = await withDeadline(new AbortController().signal, 200, (signal) => new Promise<unknown>((resolve) => {
      const fallback = setTimeout(() => resolve('never aborted'), 3000);
      signal.addEventListener('abort', () => {
        clearTimeout(fallback);
        resolve(signal.reason);
      }, { once: true });
      setTimeout(gc, 50);
    }));
    expect(reason).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('passes the parent\'s abort reason on, and leaves no listener on the parent', async () => {
    const parent = new AbortController();
    const reason = new Error('stopping');
    const seen = await withDeadline(parent.signal, 60_000, (signal) => new Promise<unknown>((resolve) => {
      signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
      parent.abort(reason);
    }));
    expect(seen).toBe(reason);
  });
});
