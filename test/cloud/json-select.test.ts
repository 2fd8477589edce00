import { describe, expect, it } from '@jest/globals';
import { Columns, columns, parseSelected, Table, type Selection } from '../../src/cloud/json-select.js';
import { rng } from '../../src/simulator/fleet.js';

/** JSON.parse, then every key not in `selection` deleted: what parseSelected must equal (a table
 *  compared as its rows, see `rows`). */
function filtered(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) return value.map((v) => filtered(v, selection));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const next = selection[key];
    if (next === true || next === 'recurring') out[key] = v;
    // A table's rows that are not objects (lists too) are kept whole.
    else if (next instanceof Columns) out[key] = Array.isArray(v) ? v.map((row: unknown) => (Array.isArray(row) ? row : filtered(row, next.fields))) : v;
    else if (next !== undefined) out[key] = filtered(v, next);
  }
  return out;
}

/** parseSelected's result with every Table turned back into the list of rows it holds. */
function rows(value: unknown): unknown {
  if (value instanceof Table) {
    const names = Object.keys(TABLE_FIELDS);
    return Array.from({ length: value.length }, (_, row) => {
      if (!value.isObject(row)) return value.other(row);
      const entry: Record<string, unknown> = {};
      for (const name of names) if (value.column(name)[row] !== undefined) entry[name] = value.column(name)[row];
      return entry;
    });
  }
  if (Array.isArray(value)) return value.map(rows);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, rows(v)]));
}

const TABLE_FIELDS = { id: true, user: 'recurring', 'a"b': true, 'ké': 'recurring' } as const;

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
      { process_list: { id: 'recurring', user: 'recurring', sql_statement: 'recurring' }, x: 'recurring' },
      { process_list: columns(TABLE_FIELDS), x: { process_list: columns(TABLE_FIELDS) } }];
    let tables = 0;
    for (let i = 0; i < 500; i++) {
      const value = { process_list: randomValue(next, 0), id: randomValue(next, 1), x: randomValue(next, 1) };
      // Pretty-printed half of the time: whitespace everywhere it is allowed.
      const text = JSON.stringify(value, null, i % 2 === 0 ? undefined : 2);
      for (const selection of selections) {
        const parsed = parseSelected(bytes(text), selection);
        if ((parsed as { process_list?: unknown }).process_list instanceof Table) tables += 1;
        expect(rows(parsed)).toEqual(filtered(JSON.parse(text), selection));
      }
    }
    // The generated documents do hold lists to read as tables.
    expect(tables).toBeGreaterThan(50);
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

  it('reads a list through columns as a table: a column per field, rows that are not objects kept whole', () => {
    const page = '{"process_list":[{"id":"7","user":"app","sql_statement":"x","id":"8"},null,{"user":"b"},[1,{"id":2}],{}],"id":1}';
    const parsed = parseSelected(bytes(page), { process_list: columns({ id: true, user: 'recurring' }) }) as { process_list: Table };
    const table = parsed.process_list;
    expect(table.length).toBe(5);
    expect(table.column('id')).toEqual(['8', undefined, undefined, undefined, undefined]);
    expect(table.column('user')).toEqual(['app', undefined, 'b', undefined, undefined]);
    expect([0, 1, 2, 3, 4].map((row) => table.isObject(row))).toEqual([true, false, true, false, true]);
    expect([table.other(1), table.other(3)]).toEqual([null, [1, { id: 2 }]]);
    // A field not selected is absent from every row.
    expect(table.column('sql_statement')[0]).toBeUndefined();
    const empty = parseSelected(bytes('{"process_list":[]}'), { process_list: columns({ id: true }) }) as { process_list: Table };
    expect(empty.process_list.length).toBe(0);
    // Not a list: kept whole, for the reader to refuse.
    expect(parseSelected(bytes('{"process_list":{"id":1}}'), { process_list: columns({ id: true }) })).toEqual({ process_list: { id: 1 } });
    expect(parseSelected(bytes('{"process_list":null}'), { process_list: columns({ id: true }) })).toEqual({ process_list: null });
  });

  it('gives recurring fields their exact value whatever shares a slot: many values, long, empty, escaped, non-ASCII, not strings', () => {
    const next = rng(7);
    const values: unknown[] = [
      ...Array.from({ length: 2000 }, (_, i) => `user_${i}`), '', 'x'.repeat(64), 'y'.repeat(65), 'a\\b', 'tab\t', 'ünï', 7, null, true,
    ];
    const list = Array.from({ length: 5000 }, () => ({
      user: values[Math.floor(next() * values.length)], state: values[Math.floor(next() * values.length)], sql_statement: 'skipped',
    }));
    const text = JSON.stringify({ process_list: list });
    const expected = filtered(JSON.parse(text), { process_list: { user: true, state: true } });
    // Twice each: the second parse meets every value already in the slots.
    for (const selection of [{ process_list: { user: 'recurring', state: 'recurring' } }, { process_list: columns({ user: 'recurring', state: 'recurring' }) }] as const) {
      for (let round = 0; round < 2; round++) {
        const table = (parseSelected(bytes(text), selection) as { process_list: unknown }).process_list;
        const parsed = table instanceof Table
          ? { process_list: Array.from({ length: table.length }, (_, row) => Object.fromEntries(['user', 'state'].map((f) => [f, table.column(f)[row]]))) }
          : { process_list: table };
        expect(parsed).toEqual(expected);
      }
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
      expect(() => parseSelected(bytes(text), { process_list: columns({ id: true }) })).toThrow(SyntaxError);
    }
  });

  it('refuses nesting deeper than 64 levels instead of exhausting the stack', () => {
    const deep = `{"process_list":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseSelected(bytes(deep), processFields)).toThrow(/nesting too deep/);
    expect(() => parseSelected(bytes(deep), { process_list: columns({ id: true }) })).toThrow(/nesting too deep/);
    const skipped = `{"sql_statement":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseSelected(bytes(skipped), processFields)).toThrow(/nesting too deep/);
  });
});
