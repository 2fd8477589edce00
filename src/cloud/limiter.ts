// Bounds the requests in flight for one project, and adapts the bound to throttling: the cloud
// publishes no rate limits for these APIs, so on a 429 we halve our concurrency and win it back
// one step per `limit` successes (additive increase, multiplicative decrease).

interface Waiter {
  grant: () => void;
}

export class AdaptiveLimiter {
  private current: number;
  private active = 0;
  private successesSinceIncrease = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly max: number) {
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Runs `task` once a slot is free; a waiting task gives up its place when `signal` aborts. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.drain();
    }
  }

  throttled(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successesSinceIncrease = 0;
  }

  succeeded(): void {
    if (this.current >= this.max) return;
    this.successesSinceIncrease += 1;
    if (this.successesSinceIncrease >= this.current) {
      this.current += 1;
      this.successesSinceIncrease = 0;
      this.drain();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.current && this.queue.length === 0) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private drain(): void {
    while (this.active < this.current && this.queue.length > 0) {
      this.active += 1;
      this.queue.shift()?.grant();
    }
  }
}
