// Durations, for both configuration files. One parser: Go's time.ParseDuration syntax, which the
// web config's `rate_limit.interval` is written in (exporter-toolkit reads it with Go). The
// exporter's own file accepts a narrower form of the same syntax ("500ms", "10s", "5m", "1h",
// "1m30s", "1.5s"): units ms, s, m and h only, no bare "0", no ".5s", surrounding blanks allowed.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_WHOLE = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const EXPORTER_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
/** The longest a Node.js timer waits (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Go keeps a duration in an int64 of nanoseconds and refuses anything longer (about 292 years). */
const GO_MAX_MS = 9_223_372_036_854.775;

/**
 * Milliseconds (fractional below 1 ms, as "500us" is 0.5) for a duration in Go's syntax, or
 * undefined if it is not one. Signs are refused: no setting here has a use for a negative time.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!GO_WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(GO_PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number);
  return ms <= GO_MAX_MS ? ms : undefined;
}

/** Whole milliseconds for a duration as the exporter's file writes them, or undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!EXPORTER_WHOLE.test(trimmed)) return undefined;
  const ms = parseGoDuration(trimmed);
  return ms === undefined ? undefined : Math.round(ms);
}

export type DurationSyntax = 'exporter' | 'go';

const SYNTAX = {
  exporter: {
    parse: parseDuration,
    example: 'expected a duration such as 500ms, 10s or 5m',
    expected: 'expected a number and a unit (ms, s, m, h) such as 500ms, 10s, 5m or 1m30s',
  },
  go: {
    parse: parseGoDuration,
    example: 'expected a duration such as 100ms or 1s',
    expected: 'expected numbers each with a unit (ns, us, ms, s, m, h) such as 100ms, 1s or 1m30s',
  },
} as const;

/**
 * A configuration value that is a duration → milliseconds, at least `minMs`. In Go's syntax the
 * number 0 is accepted too (YAML `interval: 0`), as Go's YAML decoder takes it.
 */
export function durationSchema(syntax: DurationSyntax, minMs: number) {
  const { parse, example, expected } = SYNTAX[syntax];
  // What JSON Schema can say of it (the chart's values.schema.json is generated from this).
  const jsonSchema = syntax === 'exporter'
    ? { type: 'string', pattern: `^\\s*${EXPORTER_WHOLE.source.slice(1, -1)}\\s*$`, description: example }
    : { description: example };
  return z.unknown().meta(jsonSchema).transform((value, ctx) => {
    if (syntax === 'go' && value === 0) return 0;
    if (typeof value !== 'string') {
      ctx.issues.push({ code: 'custom', input: value, message: value === undefined ? 'required' : example });
      return z.NEVER;
    }
    const ms = parse(value);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: `invalid duration ${JSON.stringify(value)}: ${expected}` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.issues.push({ code: 'custom', input: value, message: `must be at least ${minMs}ms` });
      return z.NEVER;
    }
    if (ms > MAX_TIMER_MS) {
      ctx.issues.push({ code: 'custom', input: value, message: `must be at most ${MAX_TIMER_MS}ms (about 24 days), the longest a timer can wait` });
      return z.NEVER;
    }
    return ms;
  });
}
