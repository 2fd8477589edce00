// The longest-running busy sessions of each HTAP instance (collectors.htap_processes.top_sessions),
// for the /sessions page: kept while the process list streams in, in a bounded min-heap, so memory
// is O(N) per instance whatever the list's length. Session ids and SQL text live only here and on
// /sessions: never in a label, a metric or a log line.
import type { HtapProcess } from '../cloud/taurusdb.js';
import { compareCodeUnits } from '../compare.js';
import type { TargetDescription } from '../status/target-status.js';

export interface TopSession {
  id: string;
  user: string;
  host: string;
  database: string;
  command: string;
  state: string;
  durationSeconds: number;
  /** the statement, cut to top_sessions_sql_chars */
  sql: string;
  /** whether `sql` was cut */
  sqlCut: boolean;
}

type Ranked = Pick<TopSession, 'durationSeconds' | 'id'>;

/** Longer first; at equal durations the lower session id, so the selection is deterministic. */
export function longerFirst(a: Ranked, b: Ranked): number {
  return b.durationSeconds - a.durationSeconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** At most `chars` UTF-16 units, never splitting a surrogate pair. */
function cut(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(chars - 1)) ? chars - 1 : chars;
  return text.slice(0, end);
}

/** The `capacity` longest sessions offered, by `longerFirst`. */
export class TopSessions {
  /** a min-heap by `longerFirst`: the root is the shortest kept, the first to go */
  private readonly heap: TopSession[] = [];

  /** @param capacity at least 1 */
  constructor(private readonly capacity: number, private readonly sqlChars: number) {}

  /** Considers a session; one without a usable duration cannot rank and is left out. */
  offer(process: HtapProcess): void {
    const { durationSeconds } = process;
    if (durationSeconds === undefined) return;
    const shortest = this.heap[0];
    if (this.heap.length === this.capacity && shortest && longerFirst({ durationSeconds, id: process.id }, shortest) >= 0) return;
    // Only a session that gets in is copied, and only its cut SQL text is kept.
    const session: TopSession = {
      id: process.id, user: process.user, host: process.host, database: process.database, command: process.command,
      state: process.state, durationSeconds,
      sql: cut(process.sql, this.sqlChars), sqlCut: process.sql.length > this.sqlChars,
    };
    if (this.heap.length < this.capacity) {
      this.heap.push(session);
      this.siftUp(this.heap.length - 1);
    } else {
      this.heap[0] = session;
      this.siftDown(0);
    }
  }

  /** The kept sessions, longest first. */
  sessions(): TopSession[] {
    return [...this.heap].sort(longerFirst);
  }

  /** `a` leaves before `b`: it is the shorter (or, at equal length, the higher id). */
  private before(a: number, b: number): boolean {
    return longerFirst(this.heap[a] as TopSession, this.heap[b] as TopSession) > 0;
  }

  private swap(a: number, b: number): void {
    const kept = this.heap[a] as TopSession;
    this.heap[a] = this.heap[b] as TopSession;
    this.heap[b] = kept;
  }

  private siftUp(at: number): void {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(at: number): void {
    let i = at;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < this.heap.length && this.before(left, first)) first = left;
      if (right < this.heap.length && this.before(right, first)) first = right;
      if (first === i) return;
      this.swap(i, first);
      i = first;
    }
  }
}

export interface InstanceTopSessions extends TargetDescription {
  htapInstanceId: string;
  /** Unix time, ms, of the poll they come from */
  polledAt: number;
  sessions: TopSession[];
}

export interface TopSessionsSettings {
  /** sessions kept per HTAP instance; 0 is off */
  topSessions: number;
  topSessionsSqlChars: number;
}

/** What /sessions shows: per HTAP instance, the top sessions of the last completed poll. */
export class TopSessionsStore {
  private instances: InstanceTopSessions[] = [];
  private current: TopSessionsSettings = { topSessions: 0, topSessionsSqlChars: 0 };

  /** Swaps in a completed poll's lists: an instance that failed or is gone is not shown. */
  replace(instances: InstanceTopSessions[], settings: TopSessionsSettings): void {
    this.instances = [...instances].sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.htapInstanceId, b.htapInstanceId));
    this.current = { topSessions: settings.topSessions, topSessionsSqlChars: settings.topSessionsSqlChars };
  }

  /** the settings of the poll shown */
  get settings(): TopSessionsSettings {
    return this.current;
  }

  list(htapInstanceId?: string): InstanceTopSessions[] {
    return htapInstanceId === undefined ? this.instances : this.instances.filter((i) => i.htapInstanceId === htapInstanceId);
  }
}

/** One poll's top sessions: a heap per HTAP instance read whole, swapped into the store at the end. */
export class TopSessionsPoll {
  private readonly kept: InstanceTopSessions[] = [];

  constructor(private readonly store: TopSessionsStore, private readonly settings: TopSessionsSettings, private readonly polledAt: number) {}

  /** A heap for one instance's list; undefined when top_sessions is off. */
  heap(): TopSessions | undefined {
    return this.settings.topSessions > 0 ? new TopSessions(this.settings.topSessions, this.settings.topSessionsSqlChars) : undefined;
  }

  /** An instance whose whole list went through its heap. */
  keep(description: TargetDescription, heap: TopSessions): void {
    this.kept.push({ ...description, htapInstanceId: description.htapInstanceId ?? '', polledAt: this.polledAt, sessions: heap.sessions() });
  }

  /** Publishes the poll's lists (none when off, so turning it off clears the page). */
  commit(): void {
    this.store.replace(this.kept, this.settings);
  }
}
