import { describe, expect, it } from '@jest/globals';
import { LatencyQueue } from '../../src/simulator/latency.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LatencyQueue', () => {
  it('releases every answer in arrival order, none more than half a timer early', async () => {
    const queue = new LatencyQueue(30);
    const released: Array<{ index: number; early: number }> = [];
    const waits: Array<Promise<void>> = [];
    for (let index = 0; index < 40; index++) {
      const arrivedAt = performance.now();
      waits.push(queue.wait(arrivedAt).then(() => {
        released.push({ index, early: arrivedAt + 30 - performance.now() });
      }));
      if (index % 4 === 3) await sleep(1);
    }
    await Promise.all(waits);
    expect(released.map((r) => r.index)).toEqual([...Array(40).keys()]);
    // The timer is armed early by at most 5 ms and releases what is due within half of 1 + that.
    for (const { early } of released) expect(early).toBeLessThanOrEqual(3);
    const meanEarly = released.reduce((sum, r) => sum + r.early, 0) / released.length;
    expect(queue.meanOffsetMs()).toBeCloseTo(-meanEarly, 0);
  });

  it('drops what it holds on clear() and serves new answers after', async () => {
    const queue = new LatencyQueue(20);
    let dropped = false;
    void queue.wait(performance.now()).then(() => { dropped = true; });
    queue.clear();
    const started = performance.now();
    await queue.wait(started);
    expect(performance.now() - started).toBeGreaterThanOrEqual(17);
    await sleep(30);
    expect(dropped).toBe(false);
    expect(queue.meanOffsetMs()).toBeGreaterThan(-3);
  });
});
