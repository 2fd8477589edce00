// Poll results and the exposition built from them.
//
// Each poll of a collector fills a fresh `Poll`; `SnapshotStore.commit` swaps it in whole, so a
// scrape sees either the previous poll or the new one, never a half-finished one. A collector's
// part of the exposition is rendered once per commit of it (and gzipped once, on first demand),
// not per scrape; /metrics writes the parts one after the other, and their gzip members likewise.
import { gzipSync } from 'node:zlib';
import type { TargetDescription } from '../status/target-status.js';

/** Bytes of /metrics, plain and gzipped (on first demand, then kept). */
export interface Rendered {
  readonly body: Buffer;
  gzip(): Buffer;
}

export function rendered(body: Buffer): Rendered {
  let gzipped: Buffer | undefined;
  return { body, gzip: () => (gzipped ??= gzipSync(body)) };
}

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

/** The pieces of the line being built: one array for every line, emptied after each join. */
const linePieces: string[] = [];

/**
 * One exposition line, `name{a="x",b="y"} value`, as one flat string: the values in `labels` of
 * `labelNames`, then the `pairs`. (Joined rather than concatenated: `+` and template literals
 * build trees of string pieces, and a fleet's lines, kept from one poll to the next, held several
 * times their length in such trees.)
 */
function sampleLine(name: string, labelNames: readonly string[], labels: Readonly<Record<string, string>>,
  pairs: ReadonlyArray<readonly [string, string]>, value: number): string {
  const pieces = linePieces;
  pieces.push(name);
  for (const labelName of labelNames) {
    const labelValue = labels[labelName];
    if (labelValue === undefined) {
      pieces.length = 0;
      throw new Error(`${name}: label ${labelName} missing`);
    }
    pieces.push(pieces.length === 1 ? '{' : ',', labelName, '="', escapeLabelValue(labelValue), '"');
  }
  for (const [labelName, labelValue] of pairs) pieces.push(pieces.length === 1 ? '{' : ',', labelName, '="', escapeLabelValue(labelValue), '"');
  pieces.push(pieces.length > 1 ? '} ' : ' ', formatValue(value), '\n');
  const line = pieces.join('');
  pieces.length = 0;
  return line;
}

const NO_LABELS: Readonly<Record<string, string>> = {};

/** Sample lines of one target (or of a poll's metadata), grouped by family. */
export class Samples {
  private readonly lines = new Map<GaugeFamily, string[]>();

  /**
   * `labels` must hold a value for each of the family's label names. `extra` labels follow them,
   * for a family whose further label names come from the configuration (instance tags).
   */
  set(family: GaugeFamily, labels: Readonly<Record<string, string>>, value: number,
    extra: ReadonlyArray<readonly [string, string]> = []): void {
    const line = sampleLine(family.name, family.labelNames, labels, extra, value);
    const lines = this.lines.get(family);
    if (lines) lines.push(line);
    else this.lines.set(family, [line]);
  }

  /** The family's lines, in the order they were set. */
  linesOf(family: GaugeFamily): readonly string[] {
    return this.lines.get(family) ?? NO_LINES;
  }
}

const NO_LINES: readonly string[] = [];

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

// Labels: collector, then the target's own (see targetLabels), so they join the data series as they are.
export const UP = gaugeFamily('huaweicloud_db_up',
  '1 if the last poll of this target by this collector succeeded, else 0; after a failure the last good values stay for up to collectors.grace_polls failed polls.',
  ['collector', 'instance_id']);
export const LAST_SUCCESS = gaugeFamily('huaweicloud_db_last_success_timestamp_seconds',
  'Unix time of the last successful poll of this target by this collector: the age of its values.',
  ['collector', 'instance_id']);

/**
 * A family's HELP and TYPE header, then its lines from each of `sources`, appended to `pieces`;
 * nothing when it has no samples. Line by line: no string of a whole family is ever built.
 */
function appendFamily(pieces: string[], family: GaugeFamily, sources: ReadonlyArray<readonly string[]>): void {
  const header = pieces.length;
  pieces.push(`# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n`);
  for (const lines of sources) for (const line of lines) pieces.push(line);
  if (pieces.length === header + 1) pieces.length = header;
}

export interface CollectorDescription {
  readonly name: string;
  readonly families: readonly GaugeFamily[];
}

/**
 * A target's own labels, as its health series and failure log lines carry them: instance_id is
 * the GaussDB or TaurusDB id, and an HTAP target adds htap_instance_id, as its session series do.
 * A target nobody described is known by its id.
 */
export function targetLabels(id: string, described: TargetDescription | undefined): Record<string, string> {
  if (!described) return { instance_id: id };
  return described.htapInstanceId === undefined
    ? { instance_id: described.instanceId }
    : { instance_id: described.instanceId, htap_instance_id: described.htapInstanceId };
}

/** What the store remembers of one target of a collector's last committed poll. */
interface TargetHealth {
  up: boolean;
  lastSuccess: number | undefined;
  /** failed polls in a row (0 when the last one succeeded) */
  failedPolls: number;
  /** the samples it publishes: of its last success, kept while within the grace */
  samples: Samples | undefined;
}

interface CommittedPoll {
  /** the collector's data families, rendered */
  data: Rendered;
  targets: Map<string, TargetHealth>;
  /** its targets' lines of the health families, made once per commit of it */
  upLines: string[];
  lastSuccessLines: string[];
}

/**
 * /metrics' data part as of the last commit: each collector's families, then the health
 * families. Parts, not one buffer: a collector's bytes are kept once, and a commit of one
 * collector neither copies nor gzips again the others' (gzip members may follow each other, RFC 1952).
 */
export interface Exposition {
  readonly parts: readonly Rendered[];
  /** the parts decoded and joined, for --once and tests */
  readonly text: string;
}

export class SnapshotStore {
  private readonly committed = new Map<string, CommittedPoll>();
  private exposition: Exposition = SnapshotStore.expositionOf([]);
  /**
   * Failed polls in a row through which a target's last good samples stay published (with `up` 0
   * and the age in `last_success_timestamp_seconds`), so that one failed poll does not remove
   * series and restart the `for:` of every alert on them. 0: a failure removes them at once.
   */
  gracePolls = 0;

  constructor(private readonly collectors: readonly CollectorDescription[]) {}

  /**
   * Swaps in a collector's poll. Per target only its health and the samples it publishes are
   * kept; the collector's part of the exposition is rendered once here, not per scrape, and the
   * health part after it.
   */
  commit(poll: Poll): void {
    const collector = this.collectors.find((c) => c.name === poll.collector);
    if (!collector) throw new Error(`unknown collector ${poll.collector}`);
    const previous = this.committed.get(poll.collector)?.targets;
    const targets = new Map<string, TargetHealth>();
    const upLines: string[] = [];
    const lastSuccessLines: string[] = [];
    for (const [id, outcome] of poll.targets) {
      const before = previous?.get(id);
      let health: TargetHealth;
      if (outcome.samples) {
        health = { up: true, lastSuccess: poll.startedAt / 1000, failedPolls: 0, samples: outcome.samples };
      } else {
        const failedPolls = (before?.failedPolls ?? 0) + 1;
        health = { up: false, lastSuccess: before?.lastSuccess, failedPolls, samples: failedPolls <= this.gracePolls ? before?.samples : undefined };
      }
      targets.set(id, health);
      // Its health lines, made here once per commit of this collector (render joins all collectors').
      const labels: Array<readonly [string, string]> = [['collector', poll.collector], ...Object.entries(targetLabels(id, poll.described.get(id)))];
      upLines.push(sampleLine(UP.name, [], NO_LABELS, labels, health.up ? 1 : 0));
      if (health.lastSuccess !== undefined) lastSuccessLines.push(sampleLine(LAST_SUCCESS.name, [], NO_LABELS, labels, health.lastSuccess));
    }
    const pieces: string[] = [];
    for (const family of collector.families) {
      const sources = [poll.metadata.linesOf(family)];
      for (const health of targets.values()) sources.push(health.samples?.linesOf(family) ?? NO_LINES);
      appendFamily(pieces, family, sources);
    }
    this.committed.set(poll.collector, { data: rendered(encoded(pieces)), targets, upLines, lastSuccessLines });
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
    const targets = [...(this.committed.get(collector)?.targets.values() ?? [])];
    return { targets: targets.length, up: targets.filter((t) => t.up).length };
  }

  current(): Exposition {
    return this.exposition;
  }

  /** The collectors' parts, then the health part of them all. */
  private render(): Rendered[] {
    const parts: Rendered[] = [];
    const up: string[][] = [];
    const lastSuccess: string[][] = [];
    for (const { name } of this.collectors) {
      const entry = this.committed.get(name);
      if (!entry) continue;
      parts.push(entry.data);
      up.push(entry.upLines);
      lastSuccess.push(entry.lastSuccessLines);
    }
    const pieces: string[] = [];
    appendFamily(pieces, UP, up);
    appendFamily(pieces, LAST_SUCCESS, lastSuccess);
    parts.push(rendered(encoded(pieces)));
    return parts;
  }

  private static expositionOf(parts: readonly Rendered[]): Exposition {
    return {
      parts,
      get text() {
        return parts.map((part) => part.body.toString('utf8')).join('');
      },
    };
  }
}

/** The UTF-8 bytes of `texts` joined, written into one buffer (no buffer per text, no joined string). */
function encoded(texts: readonly string[]): Buffer {
  let size = 0;
  for (const text of texts) size += Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const text of texts) offset += bytes.write(text, offset, 'utf8');
  return bytes;
}
