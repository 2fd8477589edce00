// What every collector is (one file per collector in this folder, listed in index.ts): a
// definition that names it, declares the gauge families it may publish and the schema of its
// settings under `collectors.<name>`, and makes the object that polls.
import type { z } from 'zod';
import type { ScheduleConfig } from '../config/types.js';
import type { GaugeFamily, Poll } from '../metrics/snapshot.js';
import type { HtapInventory } from './htap-inventory.js';
import type { TargetSource } from './targets.js';
import type { TopSessionsStore } from './top-sessions.js';

export interface Collector {
  /**
   * Polls every target once, reporting each through `poll.run` so that one target's failure
   * marks only that target down. Resolves when every target has an outcome.
   */
  collect(poll: Poll, signal: AbortSignal): Promise<void>;
}

/** What the collectors of one runtime share. */
export interface CollectorContext {
  source: TargetSource;
  /** HTAP instances per TaurusDB instance: refreshed by htap_instances, read by htap_processes */
  inventory: HtapInventory;
  /** where htap_processes keeps its top sessions for /sessions, when top_sessions is on */
  sessions?: TopSessionsStore;
}

export interface CollectorDefinition<Name extends string = string, Settings extends ScheduleConfig = ScheduleConfig> {
  /** the `collector` label, and the key of its settings under `collectors:` in the configuration file */
  readonly name: Name;
  /** every family it may publish, in /metrics order */
  readonly families: readonly GaugeFamily[];
  /** the schema of `collectors.<name>`: its schedule and tunables, with their defaults */
  readonly settings: z.ZodType<Settings>;
  create(context: CollectorContext, settings: Settings): Collector;
}


/** A collector made for a runtime, with what its job needs: its name and its schedule. */
export interface ScheduledCollector {
  name: string;
  schedule: string;
  collector: Collector;
}
