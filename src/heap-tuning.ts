// V8 heap settings for a process that reads hundreds of megabytes of answers per poll cycle and
// keeps a few tens of megabytes. Set at start-up by main (so the image, the chart and `npm start`
// all run with them) and by the benchmark, which runs the exporter in its own process. Both
// settings are read by V8 at each collection, so setting them at run time takes effect (measured
// in BENCHMARKS.md: peak RSS at the target scale 268 → 202 MB, CPU per cycle unchanged).
import v8 from 'node:v8';

/**
 * - No allocation-site pretenuring: once objects of one allocation site (the session entries
 *   of json-select) had outlived young collections, V8 allocated all later ones straight in the
 *   old generation, where each stayed, with the strings it points at, until the next full
 *   collection: about half of what the old generation received per cycle.
 * - The old generation may grow to 1.5 × what the last full collection kept, rather than up to
 *   4 ×: what it keeps between polls is small and full collections of it are cheap.
 */
export const HEAP_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=50'] as const;

export function tuneHeap(): void {
  for (const flag of HEAP_FLAGS) v8.setFlagsFromString(flag);
}
