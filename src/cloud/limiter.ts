// Bounds the requests in flight for one project, and adapts the bound to throttling: the cloud
// publishes no rate limits for these APIs, so on a 429 we halve our concurrency and win it back
// one step per `limit` successes (additive increase, multiplicative decrease).

import { started } from './started.js';

interface Waiter {
  grant: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
}

export class AdaptiveLimiter {
  private current: number;
  private active = 0;
  private successesSinceIncrease = 0;
  /** waiting in order; `head` indexes the next, so taking one is O(1) however long the queue */
  private queue: Waiter[] = [];
  private head = 0;
  /** Waiters per signal: one abort listener per poll's signal, not one per waiting request
   *  (thousands of requests of one poll may wait, and each listener added costs O(listeners)). */
  private readonly waitersBySignal = new WeakMap<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  constructor(readonly max: number) {
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.active;
  }

  /**
   * Runs `task` once a slot is free; a waiting task gives up its place when `signal` aborts.
   * Promise chains rather than an async function: every request of a poll passes two limiters,
   * and a free slot is taken without a turn of the microtask queue.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.current && this.waiting === 0) {
      this.active += 1;
      return this.holding(task);
    }
    return this.acquire(signal).then(() => this.holding(task));
  }

  /** `task` in a slot already taken, which is given back however the task ends. */
  private holding<T>(task: () => Promise<T>): Promise<T> {
    return started(task).then((value) => {
      this.release();
      return value;
    }, (error: unknown) => {
      this.release();
      throw error;
    });
  }

  private release(): void {
    this.active -= 1;
    this.drain();
  }

  throttled(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successesSinceIncrease = 0;
  }

  /** One more success; true when it raised the limit. */
  succeeded(): boolean {
    if (this.current >= this.max) return false;
    this.successesSinceIncrease += 1;
    if (this.successesSinceIncrease < this.current) return false;
    this.current += 1;
    this.successesSinceIncrease = 0;
    this.drain();
    return true;
  }

  /** A place in the queue (run has found no free slot). */
  private acquire(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject, signal };
      this.queue.push(waiter);
      if (signal) this.waitersOf(signal).add(waiter);
    });
  }

  private waitersOf(signal: AbortSignal): Set<Waiter> {
    let entry = this.waitersBySignal.get(signal);
    if (!entry) {
      const set = new Set<Waiter>();
      const onAbort = (): void => {
        this.queue = this.queue.slice(this.head).filter((w) => !set.has(w));
        this.head = 0;
        for (const waiter of set) waiter.reject(signal.reason);
        set.clear();
      };
      entry = { waiters: set, onAbort };
      this.waitersBySignal.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return entry.waiters;
  }

  /**
   * A waiter let in leaves its signal's set, and the last one takes the abort listener with it:
   * Node holds a signal from AbortSignal.any or .timeout strongly while it has abort listeners
   * and has not aborted, and one whose deadline never comes (see the soak) would stay forever.
   */
  private leave(waiter: Waiter): void {
    const { signal } = waiter;
    const entry = signal && this.waitersBySignal.get(signal);
    if (!signal || !entry) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size > 0) return;
    signal.removeEventListener('abort', entry.onAbort);
    this.waitersBySignal.delete(signal);
  }

  private get waiting(): number {
    return this.queue.length - this.head;
  }

  private drain(): void {
    while (this.active < this.current && this.waiting > 0) {
      const waiter = this.queue[this.head];
      this.head += 1;
      // drop the taken part now and then, so a queue that never empties does not grow forever
      if (this.head === this.queue.length || (this.head > 1024 && this.head * 2 > this.queue.length)) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!waiter) break;
      this.active += 1;
      this.leave(waiter);
      waiter.grant();
    }
  }
}
