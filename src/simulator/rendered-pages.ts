// Session pages rendered once per fleet tick: a generated session list is a pure function of the
// instance's seed, its session count and the fleet clock, so the JSON bytes of a page are too.
// At benchmark scale the simulator otherwise spends most of its CPU building and stringifying
// the same 100 sessions again on every request (BENCHMARKS.md), on the cores the client under
// test needs. Fixed session lists (set by tests) are never cached: their objects may change.
import type { HtapInstance } from './fleet.js';
import { processItem } from './wire.js';

interface InstancePages {
  clock: number;
  count: number;
  pages: Map<string, Buffer>;
}

export class RenderedPages {
  private readonly byInstance = new WeakMap<HtapInstance, InstancePages>();

  constructor(private readonly clock: () => number) {}

  /** The `/htap/process` answer body for sessions [offset, offset + limit) as it is now. */
  page(instance: HtapInstance, offset: number, limit: number): Buffer {
    if (!instance.generated) return render(instance, offset, limit);
    const clock = this.clock();
    const count = instance.sessionCount;
    let entry = this.byInstance.get(instance);
    if (!entry || entry.clock !== clock || entry.count !== count) {
      // The clock moved or the list was resized: every page of this instance is stale.
      entry = { clock, count, pages: new Map() };
      this.byInstance.set(instance, entry);
    }
    const key = `${offset}:${limit}`;
    let bytes = entry.pages.get(key);
    if (!bytes) {
      bytes = render(instance, offset, limit);
      entry.pages.set(key, bytes);
    }
    return bytes;
  }
}

function render(instance: HtapInstance, offset: number, limit: number): Buffer {
  return Buffer.from(JSON.stringify({ process_list: instance.page(offset, limit).map(processItem) }));
}
