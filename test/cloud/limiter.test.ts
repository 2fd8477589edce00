import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { AdaptiveLimiter } from '../../src/cloud/limiter.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('AdaptiveLimiter', () => {
  it('never runs more tasks at once than its limit', async () => {
    const limiter = new AdaptiveLimiter(3);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 10 }, deferred);
    const all = gates.map((gate) => limiter.run(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await gate.promise;
      running -= 1;
    }));
    await new Promise((r) => setImmediate(r));
    expect(limiter.inFlight).toBe(3);
    for (const gate of gates) gate.resolve();
    await Promise.all(all);
    expect(peak).toBe(3);
    expect(limiter.inFlight).toBe(0);
  });

  it('halves on throttling down to 1 and climbs back one step per `limit` successes', () => {
    const limiter = new AdaptiveLimiter(8);
    limiter.throttled();
    expect(limiter.limit).toBe(4);
    limiter.throttled();
    limiter.throttled();
    limiter.throttled();
    expect(limiter.limit).toBe(1);
    limiter.succeeded();
    expect(limiter.limit).toBe(2);
    limiter.succeeded();
    expect(limiter.limit).toBe(2);
    limiter.succeeded();
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 100; i++) limiter.succeeded();
    expect(limiter.limit).toBe(8);
  });

  it('says which success raised the limit (the client then updates its gauge), and none at the maximum', () => {
    const limiter = new AdaptiveLimiter(4);
    limiter.throttled();
    expect(limiter.limit).toBe(2);
    expect([limiter.succeeded(), limiter.succeeded(), limiter.succeeded(), limiter.succeeded(), limiter.succeeded(), limiter.succeeded()])
      .toEqual([false, true, false, false, true, false]);
    expect(limiter.limit).toBe(4);
    expect(limiter.succeeded()).toBe(false);
  });

  it('gives the slot back however a task ends: a value, a rejection, or a throw before any promise', async () => {
    const limiter = new AdaptiveLimiter(1);
    await expect(limiter.run(async () => 'value')).resolves.toBe('value');
    await expect(limiter.run(async () => { throw new Error('rejected'); })).rejects.toThrow('rejected');
    await expect(limiter.run((): Promise<string> => { throw new Error('thrown'); })).rejects.toThrow('thrown');
    expect(limiter.inFlight).toBe(0);
    // the one slot is free again, and a queued task gets it when the running one ends
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => 'second');
    expect(limiter.inFlight).toBe(1);
    gate.resolve();
    await first;
    await expect(second).resolves.toBe('second');
    expect(limiter.inFlight).toBe(0);
  });

  it('refuses a task whose signal has already aborted, without taking a slot', async () => {
    const limiter = new AdaptiveLimiter(1);
    let ran = false;
    await expect(limiter.run(async () => { ran = true; }, AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    expect(ran).toBe(false);
    expect(limiter.inFlight).toBe(0);
  });

  it('lets a waiting task leave the queue when its signal aborts', async () => {
    const limiter = new AdaptiveLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    const second = limiter.run(async () => 'ran', controller.signal);
    controller.abort(new Error('deadline'));
    await expect(second).rejects.toThrow('deadline');
    gate.resolve();
    await first;
    expect(limiter.inFlight).toBe(0);
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('leaves no abort listener on a signal once its waiting tasks have all been let in', async () => {
    const limiter = new AdaptiveLimiter(1);
    const controller = new AbortController();
    const gate = deferred();
    const first = limiter.run(() => gate.promise, controller.signal);
    const waiting = [limiter.run(async () => 1, controller.signal), limiter.run(async () => 2, controller.signal)];
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    gate.resolve();
    await expect(Promise.all(waiting)).resolves.toEqual([1, 2]);
    await first;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // and a signal that waits again later gets its listener back
    const again = deferred();
    const holder = limiter.run(() => again.promise);
    const later = limiter.run(async () => 3, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    again.resolve();
    await expect(later).resolves.toBe(3);
    await holder;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
