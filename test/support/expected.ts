// What the exporter must publish for a list of sessions, computed the plain way (the whole list
// at once) from the contract's label rules (docs/contract.md), as an oracle for the streaming collector.
import type { Session } from '../../src/simulator/fleet.js';

export interface ExpectedSessions {
  /** "state|command" → count */
  sessions: Map<string, number>;
  /** "state|command" → longest duration */
  maxDuration: Map<string, number>;
  /** busy sessions (command not idle) at least long_running_seconds old */
  longRunning: number;
  byUser: Map<string, number>;
  byDatabase: Map<string, number>;
  byHost: Map<string, number>;
}

const keyword = (value: string): string => value.trim().toLowerCase() || 'unknown';
const plain = (value: string): string => value.trim() || 'unknown';
const hostOnly = (host: string): string => {
  const trimmed = host.trim();
  const bracketed = /^\[([^\]]*)\](:\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] || 'unknown';
  return (trimmed.split(':').length === 2 ? trimmed.replace(/:\d*$/, '') : trimmed) || 'unknown';
};

/** Keeps the `max - 1` largest (ties by value), the rest summed into "other", when over `max`. */
export function capped(counts: Map<string, number>, max: number): Map<string, number> {
  if (counts.size <= max) return counts;
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const kept = new Map(ranked.slice(0, max - 1).filter(([value]) => value !== 'other'));
  let other = 0;
  for (const [value, count] of counts) if (!kept.has(value)) other += count;
  kept.set('other', other);
  return kept;
}

function tally(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The product's default idle commands, spelt as a user would. */
export const DEFAULT_IDLE_COMMANDS = ['sleep', 'daemon'];

/** Sessions at least `longRunningSeconds` old whose command is not one of `idleCommands`. */
export function busyLongRunning(sessions: readonly Session[], longRunningSeconds: number, idleCommands = DEFAULT_IDLE_COMMANDS): number {
  const idle = new Set(idleCommands.map(keyword));
  return sessions.filter((s) => s.duration >= longRunningSeconds && !idle.has(keyword(s.command))).length;
}

export function expectedSessions(sessions: readonly Session[], longRunningSeconds: number, maxLabelValues: number): ExpectedSessions {
  const pairs = sessions.map((s) => `${keyword(s.state)}|${keyword(s.command)}`);
  const pairCounts = capped(tally(pairs), maxLabelValues);
  const maxDuration = new Map<string, number>();
  sessions.forEach((s, i) => {
    const pair = pairs[i] as string;
    const key = pairCounts.has(pair) ? pair : 'other|other';
    maxDuration.set(key, Math.max(maxDuration.get(key) ?? 0, s.duration));
  });
  return {
    sessions: new Map([...pairCounts].map(([k, v]) => [k === 'other' ? 'other|other' : k, v])),
    maxDuration,
    longRunning: busyLongRunning(sessions, longRunningSeconds),
    byUser: capped(tally(sessions.map((s) => plain(s.user))), maxLabelValues),
    byDatabase: capped(tally(sessions.map((s) => plain(s.database))), maxLabelValues),
    byHost: capped(tally(sessions.map((s) => hostOnly(s.host))), maxLabelValues),
  };
}
