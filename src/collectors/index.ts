// The collectors, in /metrics order. Everything that needs to know them reads this list: the
// configuration schema (`collectors.<name>`), the exporter (one scheduled job each), the
// snapshot store (their families), the exporter's own metrics (counters started at 0) and
// docs/metrics.md. A new collector is a new file in this folder and one line here.
import type { z } from 'zod';
import type { CollectorDefinition } from './collector.js';
import { HTAP_INSTANCES } from './htap-instances.js';
import { HTAP_PROCESSES } from './htap-processes.js';
import { SESSION_OVERVIEW } from './session-overview.js';

export const COLLECTORS = [SESSION_OVERVIEW, HTAP_INSTANCES, HTAP_PROCESSES] as const;

/** `collectors:` of the resolved configuration: each collector's settings under its name. */
export type CollectorsSettings = { [D in (typeof COLLECTORS)[number] as D['name']]: z.output<D['settings']> };

/** The list as plain definitions, for code that treats every collector alike. */
export const COLLECTOR_DEFINITIONS: readonly CollectorDefinition[] = COLLECTORS;
