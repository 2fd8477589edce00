import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { durationSchema, parseDuration, parseGoDuration } from '../../src/config/duration.js';
import { configErrorMap } from '../../src/config/error-map.js';

describe('parseDuration (the exporter\'s file)', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1500],
    ['0s', 0],
    [' 10s ', 10_000],
    ['1.0004s', 1000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  // Go accepts the last five; the exporter's file keeps to the narrower, unsurprising form.
  it.each(['', '10', 's', '10x', '10 s', '-1s', '1d', '1m 30s', '10S', 'ms', '.5s', '0', '1.s', '10us', '5ns'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseGoDuration (the web config, Go\'s time.ParseDuration)', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['300ms', 300],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['1m30s', 90_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['1h1m1s1ms1us1ns', 3_661_001.001001],
    ['2562047h', 2562047 * 3_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  // Go refuses these too: no unit, an unknown unit, blanks, a lone dot, more than int64 nanoseconds.
  // Signs, which Go allows, are refused: no setting has a use for a negative time.
  it.each(['', '1', 's', '.s', '1d', ' 1s', '1s ', '1 s', '1S', '1m 30s', '2562048h', '-1s', '+1s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('durationSchema', () => {
  const problems = (schema: z.ZodType, value: unknown): string[] => {
    const result = schema.safeParse(value, { error: configErrorMap });
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };

  it('reads each syntax into milliseconds and says what it expected', () => {
    const exporter = durationSchema('exporter', 1);
    expect(exporter.parse('1m30s')).toBe(90_000);
    expect(problems(exporter, '0s')).toEqual(['must be at least 1ms']);
    expect(problems(exporter, '1µs')).toEqual(['invalid duration "1µs": expected a number and a unit (ms, s, m, h) such as 500ms, 10s, 5m or 1m30s']);
    expect(problems(exporter, 0)).toEqual(['expected a duration such as 500ms, 10s or 5m']);
    expect(problems(exporter, undefined)).toEqual(['required']);

    const go = durationSchema('go', 0);
    expect(go.parse('1µs')).toBeCloseTo(0.001, 9);
    // the number 0 is what Go's YAML decoder reads `interval: 0` as; any other number is nanoseconds there
    expect(go.parse(0)).toBe(0);
    expect(problems(go, 5)).toEqual(['expected a duration such as 100ms or 1s']);
    expect(problems(go, '1 s')).toEqual(['invalid duration "1 s": expected numbers each with a unit (ns, us, ms, s, m, h) such as 100ms, 1s or 1m30s']);
  });
});
