// Poll results and the exposition built from them.
//
// Each poll of a collector fills a fresh `Poll`; `SnapshotStore.commit` swaps it in whole, so a
// scrape sees either the previous poll or the new one, never a half-finished one. The text
// exposition is rendered once per commit (and gzipped once, on first demand), not per scrape.
import { gzipSync } from 'node:zlib';
import type { TargetDescription } from '../status/target-status.js';

export interface GaugeFamily {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export function gaugeFamily(name: string, help: string, labelNames: readonly string[]): GaugeFamily {
  return { name, help, labelNames };
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Sample lines of one target (or of a poll's metadata), grouped by family. */
export class Samples {
  private readonly lines = new Map<GaugeFamily, string>();

  /** `labels` must hold a value for each of the family's label names. */
  set(family: GaugeFamily, labels: Readonly<Record<string, string>>, value: number): void {
    let line = family.name;
    if (family.labelNames.length > 0) {
      line += '{';
      family.labelNames.forEach((labelName, i) => {
        const labelValue = labels[labelName];
        if (labelValue === undefined) throw new Error(`${family.name}: label ${labelName} missing`);
        line += `${i === 0 ? '' : ','}${labelName}="${escapeLabelValue(labelValue)}"`;
      });
      line += '}';
    }
    line += ` ${formatValue(value)}\n`;
    this.lines.set(family, (this.lines.get(family) ?? '') + line);
  }

  linesOf(family: GaugeFamily): string {
    return this.lines.get(family) ?? '';
  }
}

export interface TargetOutcome {
  /** samples when the target's poll succeeded; undefined when it failed */
  samples: Samples | undefined;
  error: unknown;
}

/** Targets polled at once when nothing else is said: the default bound on requests in flight. */
export const DEFAULT_POLL_PARALLELISM = 64;

/** One collector's poll in progress. Targets not reported here vanish from /metrics at commit. */
export class Poll {
  readonly targets = new Map<string, TargetOutcome>();
  /** descriptive series published whatever the targets' outcome (e.g. `_info` from configuration) */
  readonly metadata = new Samples();
  /** who each target is, for the status page (not published on /metrics) */
  readonly described = new Map<string, TargetDescription>();
  readonly startedAt = Date.now();

  /**
   * @param parallelism targets polled at once by `runEach`: no more than can have a request in
   *   flight, so a fleet of thousands does not hold thousands of waiting requests in memory.
   */
  constructor(readonly collector: string, private readonly parallelism = DEFAULT_POLL_PARALLELISM) {}

  /** `run` for each item, at most `parallelism` at a time, in order. */
  async runEach<T>(items: readonly T[], idOf: (item: T) => string, fill: (item: T, samples: Samples) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++] as T;
        await this.run(idOf(item), (samples) => fill(item, samples));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, items.length) }, worker));
  }

  /**
   * Polls one target: `fill` writes its samples; if it throws, the target is down and publishes
   * nothing, so a failure half-way never leaves partial data.
   */
  async run(targetId: string, fill: (samples: Samples) => Promise<void>): Promise<void> {
    const samples = new Samples();
    try {
      await fill(samples);
      this.targets.set(targetId, { samples, error: undefined });
    } catch (error) {
      this.targets.set(targetId, { samples: undefined, error });
    }
  }

  get failures(): Array<[string, unknown]> {
    return [...this.targets].filter(([, outcome]) => outcome.samples === undefined).map(([id, outcome]) => [id, outcome.error]);
  }
}

export const UP = gaugeFamily('huaweicloud_db_up',
  '1 if the last poll of this target by this collector succeeded, else 0; values come from the last poll.',
  ['collector', 'instance_id']);
export const LAST_SUCCESS = gaugeFamily('huaweicloud_db_last_success_timestamp_seconds',
  'Unix time of the last successful poll of this target by this collector.',
  ['collector', 'instance_id']);

/** A family with its HELP and TYPE header; nothing when it has no samples. */
function renderFamily(family: GaugeFamily, lines: string): string {
  return lines ? `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n${lines}` : '';
}

export interface CollectorDescription {
  readonly name: string;
  readonly families: readonly GaugeFamily[];
}

interface CommittedPoll {
  /** the collector's data families, rendered */
  data: Buffer;
  /** whether each target of the poll succeeded */
  up: Map<string, boolean>;
  lastSuccess: Map<string, number>;
}

/** The bytes of /metrics' data part, as of the last commit; gzipped once, on first demand. */
export interface Exposition {
  readonly body: Buffer;
  /** the body decoded, for --once and tests */
  readonly text: string;
  gzip(): Buffer;
}

export class SnapshotStore {
  private readonly committed = new Map<string, CommittedPoll>();
  private exposition: Exposition = SnapshotStore.expositionOf(Buffer.alloc(0));

  constructor(private readonly collectors: readonly CollectorDescription[]) {}

  /**
   * Swaps in a collector's poll. Only its rendered bytes and per-target health are kept: the
   * samples themselves are dropped here, so memory holds one copy of the exposition, off the heap.
   */
  commit(poll: Poll): void {
    const collector = this.collectors.find((c) => c.name === poll.collector);
    if (!collector) throw new Error(`unknown collector ${poll.collector}`);
    const previous = this.committed.get(poll.collector)?.lastSuccess;
    const up = new Map<string, boolean>();
    const lastSuccess = new Map<string, number>();
    for (const [id, outcome] of poll.targets) {
      up.set(id, outcome.samples !== undefined);
      const last = outcome.samples ? poll.startedAt / 1000 : previous?.get(id);
      if (last !== undefined) lastSuccess.set(id, last);
    }
    const parts: Buffer[] = [];
    for (const family of collector.families) {
      let lines = poll.metadata.linesOf(family);
      for (const outcome of poll.targets.values()) lines += outcome.samples?.linesOf(family) ?? '';
      if (lines) parts.push(Buffer.from(renderFamily(family, lines)));
    }
    this.committed.set(poll.collector, { data: Buffer.concat(parts), up, lastSuccess });
    this.exposition = SnapshotStore.expositionOf(this.render());
  }

  /** Every collector has committed at least one poll. */
  get ready(): boolean {
    return this.collectors.every((c) => this.committed.has(c.name));
  }

  get collectorNames(): string[] {
    return this.collectors.map((c) => c.name);
  }

  /** Targets in the collector's last committed poll, and how many of them succeeded. */
  targetStats(collector: string): { targets: number; up: number } {
    const up = [...(this.committed.get(collector)?.up.values() ?? [])];
    return { targets: up.length, up: up.filter(Boolean).length };
  }

  current(): Exposition {
    return this.exposition;
  }

  private render(): Buffer {
    const parts: Buffer[] = [];
    const health = new Samples();
    for (const { name } of this.collectors) {
      const entry = this.committed.get(name);
      if (!entry) continue;
      parts.push(entry.data);
      for (const [id, ok] of entry.up) {
        health.set(UP, { collector: name, instance_id: id }, ok ? 1 : 0);
        const at = entry.lastSuccess.get(id);
        if (at !== undefined) health.set(LAST_SUCCESS, { collector: name, instance_id: id }, at);
      }
    }
    parts.push(Buffer.from(renderFamily(UP, health.linesOf(UP)) + renderFamily(LAST_SUCCESS, health.linesOf(LAST_SUCCESS))));
    return Buffer.concat(parts);
  }

  private static expositionOf(body: Buffer): Exposition {
    let gzipped: Buffer | undefined;
    return {
      body,
      get text() {
        return body.toString('utf8');
      },
      gzip: () => (gzipped ??= gzipSync(body)),
    };
  }
}
