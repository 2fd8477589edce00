// One string order for everything the exporter sorts: canonical requests, label tuples, the status
// and sessions pages.

/**
 * Plain UTF-16 code unit order, the order Array.prototype.sort and the official Node SDK use. Not
 * localeCompare: its order varies with the machine's locale data, and its first call loads ICU's
 * collation tables, about 2 MB of resident memory (BENCHMARKS.md).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
