// The simulated network latency: every answer leaves `ms` after its request arrived, on average,
// as a cloud measured from the client's side would answer. A timer per request waited `ms` from
// when it was set, after the request had been read, and node fired it about a millisecond late
// under the benchmark's load (1.0 ms on 20: every answer 5 % slower than asked for, BENCHMARKS.md).
// Here answers wait in arrival order (their latency is the same, so their deadlines are in order)
// for one timer, armed early by the lateness it has shown. A firing releases every answer due
// within three quarters of the time to the next firing: with half, answers left 0.25 ms late on
// average, with all of it 0.25 ms early (BENCHMARKS.md).

/** How fast the lateness estimate follows what the timer does: a weight per firing. */
const LATENESS_WEIGHT = 1 / 16;
/** The most the timer is armed early: a latency of a few ms must still be waited for. */
const MAX_LEAD_MS = 5;
/** node's shortest timer */
const MIN_TIMER_MS = 1;

interface Held {
  due: number;
  release: () => void;
}

export class LatencyQueue {
  private readonly held: Held[] = [];
  /** index of the oldest answer still held: the queue is compacted when it empties */
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** when the armed timer should fire, performance.now() ms */
  private armedFor = 0;
  /** how late the timer fired, ms: a moving average */
  private lateness = 0;
  /** answers released, and by how much after their deadline in all (early ones count negative) */
  private released = 0;
  private offsetMs = 0;

  constructor(private readonly ms: number) {}

  /** Resolves `ms` after `arrivedAt` (a performance.now() reading), on average. */
  wait(arrivedAt: number): Promise<void> {
    return new Promise((release) => {
      this.held.push({ due: arrivedAt + this.ms, release });
      if (this.timer === undefined) this.arm();
    });
  }

  /** Drops what is held, unanswered (the simulator is closing and destroys its sockets). */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.held.length = 0;
    this.head = 0;
  }

  /** Mean time from an answer's deadline to its release, ms (0 while none was released). */
  meanOffsetMs(): number {
    return this.released === 0 ? 0 : this.offsetMs / this.released;
  }

  private arm(): void {
    const next = this.held[this.head];
    if (next === undefined) return;
    const now = performance.now();
    const delay = Math.max(MIN_TIMER_MS, next.due - this.lead() - now);
    this.armedFor = now + delay;
    this.timer = setTimeout(() => this.fire(), delay);
  }

  /** How early the timer is armed: the lateness seen, within bounds. */
  private lead(): number {
    return Math.min(Math.max(0, this.lateness), MAX_LEAD_MS);
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    this.lateness += (now - this.armedFor - this.lateness) * LATENESS_WEIGHT;
    const horizon = now + ((MIN_TIMER_MS + this.lead()) * 3) / 4;
    while (this.head < this.held.length && (this.held[this.head] as Held).due <= horizon) {
      const answer = this.held[this.head++] as Held;
      this.released += 1;
      this.offsetMs += now - answer.due;
      answer.release();
    }
    if (this.head === this.held.length) {
      this.held.length = 0;
      this.head = 0;
    }
    this.arm();
  }
}
