// The small interface every collector implements (one file per collector in this folder):
// its name (the `collector` label), the gauge families it may publish, and one poll.
import type { GaugeFamily, Poll } from '../metrics/snapshot.js';

export type CollectorName = 'session_overview' | 'htap_instances' | 'htap_processes';

export interface Collector {
  readonly name: CollectorName;
  readonly families: readonly GaugeFamily[];
  /**
   * Polls every target once, reporting each through `poll.run` so that one target's failure
   * marks only that target down. Resolves when every target has an outcome.
   */
  collect(poll: Poll, signal: AbortSignal): Promise<void>;
}
