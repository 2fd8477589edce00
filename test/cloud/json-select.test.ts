import { describe, expect, it } from '@jest/globals';
import { parseSelected, type Selection } from '../../src/cloud/json-select.js';
import { rng } from '../../src/simulator/fleet.js';

/** JSON.parse, then every key not in `selection` deleted: what parseSelected must equal. */
function filtered(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) return value.map((v) => filtered(v, selection));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const next = selection[key];
    if (next === true || next === 'recurring') out[key] = v;
    else if (next !== undefined) out[key] = filtered(v, next);
  }
  return out;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** A random JSON value with the awkward parts: escapes, unicode, nulls, deep nesting, odd numbers. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const strings = ['', 'a', 'user_1', 'quote " inside', 'back\\slash', 'tab\tnew\nline', 'ünïcödé 数据库', '\u0001', 'emoji 😀', 'process_list', 'id'];
  switch (pick) {
    case 0: return null;
    case 1: return next() < 0.5;
    case 2: return [0, -0, 1, -17, 3.25, 1e21, -2.5e-7, 9007199254740993, 123456789012][Math.floor(next() * 9)];
    case 3:
    case 4: return strings[Math.floor(next() * strings.length)];
    case 5: return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const keys = ['id', 'user', 'sql_statement', 'process_list', 'x', 'dup', 'ké', 'a"b'];
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) o[keys[Math.floor(next() * keys.length)] as string] = randomValue(next, depth + 1);
      return o;
    }
  }
}

describe('parseSelected', () => {
  const processFields: Selection = { process_list: { id: true, user: true, duration: true } };

  it('equals JSON.parse with the unselected keys removed, on 500 generated documents', () => {
    const next = rng(15);
    const selections: Selection[] = [processFields, { process_list: true }, { id: true, x: { user: true, 'a"b': true } }, {},
      { process_list: { id: 'recurring', user: 'recurring', sql_statement: 'recurring' }, x: 'recurring' }];
    for (let i = 0; i < 500; i++) {
      const value = { process_list: randomValue(next, 0), id: randomValue(next, 1), x: randomValue(next, 1) };
      // Pretty-printed half of the time: whitespace everywhere it is allowed.
      const text = JSON.stringify(value, null, i % 2 === 0 ? undefined : 2);
      for (const selection of selections) {
        expect(parseSelected(bytes(text), selection)).toEqual(filtered(JSON.parse(text), selection));
      }
    }
  });

  it('reads a session page: the selected fields with their types as sent, the SQL text skipped', () => {
    const page = '{"process_list":[{"id":"7","user":"app","host":"10.0.0.1:5","sql_statement":"select \\"x\\" from t where a = \'}\'","duration":"12","command":"Query"},'
      + '{"id":8,"user":null,"duration":3.5,"sql_statement":null}]}';
    expect(parseSelected(bytes(page), processFields)).toEqual({
      process_list: [{ id: '7', user: 'app', duration: '12' }, { id: 8, user: null, duration: 3.5 }],
    });
    expect(parseSelected(bytes('{"process_list":null}'), processFields)).toEqual({ process_list: null });
    expect(parseSelected(bytes('{"process_list":"none"}'), processFields)).toEqual({ process_list: 'none' });
  });

  it('gives recurring fields their exact value whatever shares a slot: many values, long, empty, escaped, non-ASCII, not strings', () => {
    const selection: Selection = { process_list: { user: 'recurring', state: 'recurring' } };
    const next = rng(7);
    const values: unknown[] = [
      ...Array.from({ length: 2000 }, (_, i) => `user_${i}`), '', 'x'.repeat(64), 'y'.repeat(65), 'a\\b', 'tab\t', 'ünï', 7, null, true,
    ];
    const list = Array.from({ length: 5000 }, () => ({
      user: values[Math.floor(next() * values.length)], state: values[Math.floor(next() * values.length)], sql_statement: 'skipped',
    }));
    // Twice: the second parse meets every value already in the slots.
    for (let round = 0; round < 2; round++) {
      const text = JSON.stringify({ process_list: list });
      expect(parseSelected(bytes(text), selection)).toEqual(filtered(JSON.parse(text), selection));
    }
  });

  it('matches keys written with escapes, and the last of duplicate keys wins, as in JSON.parse', () => {
    expect(parseSelected(bytes('{"\\u0069d":1,"id":2,"u\\u0073er":"x"}'), { id: true, user: true })).toEqual({ id: 2, user: 'x' });
  });

  it('refuses what JSON.parse refuses, in selected and skipped parts alike', () => {
    const bad = [
      '', ' ', '{', '}', '{"process_list":[}', '{"process_list":[1,]}', '{"a":1,}', '{"a" 1}', '{a:1}', '{"a":01}', '{"a":1.}',
      '{"a":.5}', '{"a":1e}', '{"a":-}', '{"a":tru}', '{"a":nul}', '{"a":"x}', '{"a":"x"} x', '{"a":1}{', '[1 2]',
      '{"process_list":[{"id":"a\u0001b"}]}', "{'a':1}", '{"sql_statement":[1,2}', '{"sql_statement":{"k" 1}}', '{"a":NaN}',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parseSelected(bytes(text), processFields)).toThrow(SyntaxError);
    }
  });

  it('refuses nesting deeper than 64 levels instead of exhausting the stack', () => {
    const deep = `{"process_list":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseSelected(bytes(deep), processFields)).toThrow(/nesting too deep/);
    const skipped = `{"sql_statement":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseSelected(bytes(skipped), processFields)).toThrow(/nesting too deep/);
  });
});
