// Label values from cloud data: normalised so that one value has one spelling, and capped so
// that a per-instance breakdown never grows past `max_label_values` series.
//
// Capping rule: when a breakdown has more than `max` distinct values, the `max - 1` largest
// (by count, ties broken by label value so output is deterministic) are kept and all the rest are
// summed into `other`. A breakdown therefore never exceeds `max` series, `other` included.

import { compareCodeUnits } from '../compare.js';

export const UNKNOWN = 'unknown';
export const OTHER = 'other';

/**
 * Remembers what `compute` gave for each raw value seen, so that hundreds of thousands of sessions
 * sharing a few dozen commands cost a map lookup each. At most `limit` values are kept.
 */
export class Memo<T> {
  private readonly seen = new Map<string, T>();

  constructor(private readonly compute: (raw: string) => T, private readonly limit = 10_000) {}

  get(raw: string): T {
    let value = this.seen.get(raw);
    if (value === undefined) {
      value = this.compute(raw);
      if (this.seen.size >= this.limit) this.seen.clear();
      this.seen.set(raw, value);
    }
    return value;
  }
}

/** Trimmed; lower-cased when the column holds keywords (state, command); empty becomes `unknown`. */
export function labelValue(raw: string | undefined, keyword = false): string {
  const trimmed = (raw ?? '').trim();
  if (trimmed === '') return UNKNOWN;
  return keyword ? trimmed.toLowerCase() : trimmed;
}

/** A client address without its port: `10.0.0.5:51234` → `10.0.0.5`, `[::1]:3306` → `::1`. */
export function clientHost(raw: string): string {
  const trimmed = raw.trim();
  const bracketed = /^\[([^\]]*)\](?::[0-9]*)?$/.exec(trimmed);
  if (bracketed) return labelValue(bracketed[1]);
  // Exactly one colon followed by digits is host:port; more colons is a bare IPv6 address.
  const hostPort = /^([^:]*):[0-9]+$/.exec(trimmed);
  return labelValue(hostPort ? hostPort[1] : trimmed);
}

/** One row of a tally: its label values (in the family's order), how many, and the largest value seen. */
export interface TallyRow {
  readonly labels: readonly string[];
  count: number;
  /** undefined while no row came with a value */
  max: number | undefined;
}

/** A label value as published, from the value as the cloud sent it. */
export type Normalize = (raw: string) => string;

/** The value as sent is the label value (a value already normalised as it is counted). */
export const AS_SENT: Normalize = (raw) => raw;

/**
 * Counts rows per tuple of label values, streaming. Rows are counted by their values as sent and
 * normalised once per distinct tuple when published (rows whose values normalise alike are
 * merged): a session costs a map lookup per label, not a normalisation as well. At most
 * `trackLimit` distinct tuples are remembered; rows of any further tuple go straight to `other`,
 * so memory stays bounded however many distinct values a huge session list holds.
 */
export class LabelTally {
  /** first label → second label ('' for one-label tallies) → row: no key string built per row */
  private readonly index = new Map<string, Map<string, TallyRow>>();
  private readonly rows: TallyRow[] = [];
  private overflow: TallyRow | undefined;
  private readonly normalize: readonly Normalize[];

  /** @param normalize per label, how a value as sent becomes the published one (as sent by default) */
  constructor(private readonly arity: 1 | 2, private readonly trackLimit: number, normalize: readonly Normalize[] = []) {
    this.normalize = Array.from({ length: arity }, (_, i) => normalize[i] ?? AS_SENT);
  }

  /** One more row with these label values (`second` only for two-label tallies); `value` may be unknown. */
  add(value: number | undefined, first: string, second = ''): void {
    let level = this.index.get(first);
    let row = level?.get(second);
    if (!row) {
      if (this.rows.length >= this.trackLimit) {
        row = this.overflow ??= this.otherRow();
      } else {
        row = { labels: this.arity === 2 ? [first, second] : [first], count: 0, max: undefined };
        this.rows.push(row);
        if (!level) this.index.set(first, (level = new Map()));
        level.set(second, row);
      }
    }
    row.count += 1;
    if (value !== undefined && !(value <= (row.max ?? -1))) row.max = value;
  }

  /** The rows to publish, normalised, at most `max` of them: see the capping rule at the top of this file. */
  capped(max: number): TallyRow[] {
    const limit = Math.max(1, Math.floor(max));
    const all = this.normalised();
    if (!this.overflow && all.length <= limit) return all.sort(byLabels);
    const other = this.otherRow();
    // A genuine value spelled `other` joins the fold rather than becoming a duplicate series.
    const otherKey = keyOf(other.labels);
    const ranked = all.filter((row) => keyOf(row.labels) !== otherKey)
      .sort((a, b) => b.count - a.count || byLabels(a, b));
    const kept = ranked.slice(0, limit - 1);
    const folded = [...ranked.slice(limit - 1), ...all.filter((row) => keyOf(row.labels) === otherKey)];
    merge(other, ...folded, ...(this.overflow ? [this.overflow] : []));
    return [...kept.sort(byLabels), other];
  }

  /** The rows with their labels normalised, those that became alike merged. */
  private normalised(): TallyRow[] {
    const byKey = new Map<string, TallyRow>();
    for (const row of this.rows) {
      const labels = row.labels.map((raw, i) => (this.normalize[i] as Normalize)(raw));
      const key = keyOf(labels);
      const into = byKey.get(key);
      if (into) merge(into, row);
      else byKey.set(key, { labels, count: row.count, max: row.max });
    }
    return [...byKey.values()];
  }

  private otherRow(): TallyRow {
    return { labels: new Array<string>(this.arity).fill(OTHER), count: 0, max: undefined };
  }
}

/** A map key for a label tuple: each value but the last prefixed by its length, so none collide. */
function keyOf(labels: readonly string[]): string {
  let key = '';
  for (let i = 0; i < labels.length - 1; i++) key += `${labels[i]?.length ?? 0}:${labels[i] ?? ''}`;
  return key + (labels[labels.length - 1] ?? '');
}

function merge(into: TallyRow, ...rows: TallyRow[]): void {
  for (const row of rows) {
    into.count += row.count;
    if (row.max !== undefined && !(row.max <= (into.max ?? -1))) into.max = row.max;
  }
}

/** Label tuples in code-unit order. */
function byLabels(a: TallyRow, b: TallyRow): number {
  for (let i = 0; i < a.labels.length; i++) {
    const order = compareCodeUnits(a.labels[i] ?? '', b.labels[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}
