// JSON.parse for answers of which only a few fields are read: parses a UTF-8 body straight from
// its bytes and materialises only the selected fields; every other value is checked for syntax
// and skipped without building its strings or objects. A session page is mostly SQL text the
// exporter never reads: JSON.parse-ing it whole made most of a poll cycle's garbage, and so most
// of the exporter's peak memory (BENCHMARKS.md).
//
// The result is what JSON.parse would give with the unselected keys deleted, so the answer
// readers validate it exactly as before. One leniency: inside a skipped string, raw control
// characters are not refused (JSON.parse would throw on them); the string is never read.

/**
 * The fields to keep, by key. `true` keeps the value whole; a nested selection applies to the
 * object at that key, or to every element of the array at that key (arrays of arrays too).
 * `'recurring'` keeps the value whole too, for a string field whose few values recur from entry to
 * entry and from answer to answer (a session's state, command, user): the same bytes give back the
 * same string, decoded once, instead of a new string each time.
 */
export interface Selection {
  readonly [key: string]: true | 'recurring' | Selection | Columns;
}

/** The fields of a table's rows: each kept whole, `'recurring'` as in a Selection. */
export type ColumnFields = Readonly<Record<string, true | 'recurring'>>;

/**
 * A list of objects read as a table (see `columns`): one array per selected field rather than an
 * object per row. A session page is read that way: 100 objects per page, and another 100 made from
 * them, were a fifth of what a poll cycle allocated (BENCHMARKS.md).
 */
export class Columns {
  constructor(readonly fields: ColumnFields) {}
}

/** Selects the list at a key as a `Table` of these fields. */
export function columns(fields: ColumnFields): Columns {
  return new Columns(fields);
}

const NO_VALUES: readonly unknown[] = [];

/**
 * A list read through `columns`: row i is `column(field)[i]` for each field (undefined where the
 * row lacks the field), or, for a row that is not an object, `other(i)`: its value as JSON.parse
 * gives it. A value at the key that is not a list is kept whole, not made a table.
 */
export class Table {
  /** rows read */
  length = 0;
  private otherRows: Map<number, unknown> | undefined;

  /** one array per field, in the order of `names` */
  readonly values: readonly unknown[][];

  /** @param capacity rows expected: each column is made that long at once rather than grown row by row */
  constructor(private readonly names: readonly string[], capacity: number) {
    this.values = names.map(() => new Array<unknown>(capacity));
  }

  /** A field's values, one per row; a field not selected is absent from every row. */
  column(field: string): readonly unknown[] {
    return this.values[this.names.indexOf(field)] ?? NO_VALUES;
  }

  /** Whether row i is an object (and so has columns). */
  isObject(row: number): boolean {
    return this.otherRows?.has(row) !== true;
  }

  /** Row i when it is not an object. */
  other(row: number): unknown {
    return this.otherRows?.get(row);
  }

  /** A new row, every field undefined until set; its index. */
  addRow(): number {
    return this.length++;
  }

  /** Every column made as long as the rows read. */
  end(): void {
    for (const column of this.values) column.length = this.length;
  }

  /** A new row that is not an object. */
  addOther(value: unknown): void {
    (this.otherRows ??= new Map()).set(this.addRow(), value);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Deeper nesting is refused: a hostile answer must not exhaust the stack. */
const MAX_DEPTH = 64;

interface CompiledKey {
  name: string;
  /** the key's bytes, for matching without decoding the key */
  bytes: Buffer;
  /** its position among the selection's keys: a table's column */
  index: number;
  next: CompiledSelection | undefined;
  /** the fields of a list read as a table */
  table: CompiledSelection | undefined;
  recurring: RecurringStrings | undefined;
}

interface CompiledSelection {
  keys: CompiledKey[];
  /** rows of the last table read with these fields */
  rows: number;
}

/** A table is never made longer than this before its rows are read (a huge answer must not make
 *  every later one allocate as much). */
const MAX_EXPECTED_ROWS = 1000;

/** Longer strings are decoded each time: a value that long rarely recurs. */
const MAX_RECURRING_LENGTH = 64;

/**
 * The strings last decoded for one field, by a hash of their bytes: one slot per hash, the newest
 * value in it. Decoding a short string costs a call into node and a young object, which for the
 * few values of a session's state or user, met 500,000 times a cycle at fleet scale, made a large
 * part of the page path's time and garbage (BENCHMARKS.md). Bounded: 256 strings of at most
 * 64 bytes per field, kept for the process's life with the selection that owns them.
 */
class RecurringStrings {
  private readonly slots: Array<string | undefined> = new Array<string | undefined>(256).fill(undefined);

  /** The ASCII string of b[start, end), whose bytes hash to `hash`. */
  get(b: Buffer, start: number, end: number, hash: number): string {
    const slot = hash & 255;
    const cached = this.slots[slot];
    const length = end - start;
    if (cached !== undefined && cached.length === length) {
      let i = 0;
      while (i < length && cached.charCodeAt(i) === b[start + i]) i++;
      if (i === length) return cached;
    }
    const value = b.toString('latin1', start, end);
    this.slots[slot] = value;
    return value;
  }
}

const compiled = new WeakMap<Selection, CompiledSelection>();

function compile(selection: Selection): CompiledSelection {
  let c = compiled.get(selection);
  if (!c) {
    c = {
      keys: Object.entries(selection).map(([name, next], index) => ({
        name,
        bytes: Buffer.from(name, 'utf8'),
        index,
        next: next === true || next === 'recurring' || next instanceof Columns ? undefined : compile(next),
        table: next instanceof Columns ? compile(next.fields) : undefined,
        recurring: next === 'recurring' ? new RecurringStrings() : undefined,
      })),
      rows: 0,
    };
    compiled.set(selection, c);
  }
  return c;
}

/** Parses `bytes` as JSON keeping only `selection`; throws SyntaxError where JSON.parse would. */
export function parseSelected(bytes: Buffer, selection: Selection): unknown {
  const parser = new Parser(bytes);
  parser.skipSpace();
  const value = parser.selected(compile(selection), 0);
  parser.skipSpace();
  if (parser.pos !== bytes.length) parser.fail('unexpected data after the JSON value');
  return value;
}

class Parser {
  pos = 0;

  constructor(private readonly b: Buffer) {}

  fail(message: string): never {
    throw new SyntaxError(`${message} at byte ${this.pos}`);
  }

  skipSpace(): void {
    const b = this.b;
    let p = this.pos;
    for (; p < b.length; p++) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    this.pos = p;
  }

  private expect(byte: number, what: string): void {
    this.skipSpace();
    if (this.b[this.pos] !== byte) this.fail(`expected ${what}`);
    this.pos++;
  }

  /** A value under a selection: objects keep the selected keys, arrays apply it to each element,
   *  anything else is kept as it is. */
  selected(selection: CompiledSelection, depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.b[this.pos];
    if (c === OPEN_BRACE) return this.object(selection, depth);
    if (c === OPEN_BRACKET) {
      this.pos++;
      const out: unknown[] = [];
      this.skipSpace();
      if (this.b[this.pos] === CLOSE_BRACKET) {
        this.pos++;
        return out;
      }
      for (;;) {
        this.skipSpace();
        out.push(this.selected(selection, depth + 1));
        this.skipSpace();
        const next = this.b[this.pos++];
        if (next === CLOSE_BRACKET) return out;
        if (next !== COMMA) {
          this.pos--;
          this.fail('expected , or ]');
        }
      }
    }
    return this.whole();
  }

  /** A list read as a table: each object element a row of `fields`; anything else kept whole. */
  private table(fields: CompiledSelection, depth: number): unknown {
    if (this.b[this.pos] !== OPEN_BRACKET) return this.whole();
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.pos++;
    // Sized like the last table of these fields: the pages of one list are mostly of one size.
    const table = new Table(fields.keys.map((key) => key.name), Math.min(fields.rows, MAX_EXPECTED_ROWS));
    this.skipSpace();
    if (this.b[this.pos] === CLOSE_BRACKET) {
      this.pos++;
      table.end();
      return table;
    }
    for (;;) {
      this.skipSpace();
      if (this.b[this.pos] === OPEN_BRACE) this.object(fields, depth + 1, table);
      else table.addOther(this.whole());
      this.skipSpace();
      const next = this.b[this.pos++];
      if (next === CLOSE_BRACKET) {
        table.end();
        fields.rows = table.length;
        return table;
      }
      if (next !== COMMA) {
        this.pos--;
        this.fail('expected , or ]');
      }
    }
  }

  /** An object keeping the selected keys; with `table`, read into a new row of it instead. */
  private object(selection: CompiledSelection, depth: number, table?: Table): Record<string, unknown> | undefined {
    this.pos++;
    const out: Record<string, unknown> | undefined = table ? undefined : {};
    const row = table ? table.addRow() : 0;
    this.skipSpace();
    if (this.b[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.b[this.pos] !== QUOTE) this.fail('expected a key');
      const start = this.pos + 1;
      const end = this.stringEnd();
      const match = this.match(selection, start, end);
      this.expect(COLON, ':');
      this.skipSpace();
      if (match === undefined) {
        this.skip(depth + 1);
      } else if (table) {
        (table.values[match.index] as unknown[])[row] = this.whole(match.recurring);
      } else {
        (out as Record<string, unknown>)[match.name] = match.table ? this.table(match.table, depth + 1)
          : match.next === undefined ? this.whole(match.recurring) : this.selected(match.next, depth + 1);
      }
      this.skipSpace();
      const next = this.b[this.pos++];
      if (next === CLOSE_BRACE) return out;
      if (next !== COMMA) {
        this.pos--;
        this.fail('expected , or }');
      }
    }
  }

  /** The selected key whose bytes are b[start, end), if any; a key with escapes is decoded to compare. */
  private match(selection: CompiledSelection, start: number, end: number): CompiledKey | undefined {
    const b = this.b;
    const length = end - start;
    for (const key of selection.keys) {
      const bytes = key.bytes;
      if (bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === b[start + i]) i++;
      if (i === length) return key;
    }
    for (let i = start; i < end; i++) {
      if (b[i] === BACKSLASH) {
        const name = JSON.parse(b.toString('utf8', start - 1, end + 1)) as string;
        return selection.keys.find((k) => k.name === name);
      }
    }
    return undefined;
  }

  /** At an opening quote: moves past the closing one and returns its index. */
  private stringEnd(): number {
    const b = this.b;
    let p = this.pos + 1;
    for (;;) {
      const q = b.indexOf(QUOTE, p);
      if (q === -1) this.fail('unterminated string');
      // The quote is escaped when an odd number of backslashes precede it.
      let backslashes = 0;
      for (let i = q - 1; i >= p && b[i] === BACKSLASH; i--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = q + 1;
        return q;
      }
      p = q + 1;
    }
  }

  /** A value kept whole: decoded by JSON.parse from its own bytes (strings without escapes directly). */
  private whole(recurring?: RecurringStrings): unknown {
    const b = this.b;
    const start = this.pos;
    const c = b[start];
    if (c === QUOTE) {
      const end = this.stringEnd();
      // Plain ASCII (the usual field value) is decoded here; escapes, control characters (which
      // JSON.parse refuses) and multi-byte characters go through JSON.parse. The hash a recurring
      // field needs is taken in the same scan: a second pass over its bytes measured no cheaper.
      let hash = 0;
      for (let i = start + 1; i < end; i++) {
        const byte = b[i] as number;
        if (byte < 0x20 || byte >= 0x80 || byte === BACKSLASH) return JSON.parse(b.toString('utf8', start, end + 1)) as unknown;
        hash = (hash * 31 + byte) | 0;
      }
      if (recurring !== undefined && end - start - 1 <= MAX_RECURRING_LENGTH) return recurring.get(b, start + 1, end, hash ^ (hash >>> 8));
      return b.toString('latin1', start + 1, end);
    }
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
    this.skip(0);
    return JSON.parse(b.toString('utf8', start, this.pos)) as unknown;
  }

  /** Moves past one value, checking its syntax, building nothing. */
  private skip(depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const b = this.b;
    const c = b[this.pos];
    if (c === QUOTE) {
      this.stringEnd();
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      this.pos++;
      this.skipSpace();
      if (b[this.pos] === close) {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipSpace();
        if (c === OPEN_BRACE) {
          if (b[this.pos] !== QUOTE) this.fail('expected a key');
          this.stringEnd();
          this.expect(COLON, ':');
          this.skipSpace();
        }
        this.skip(depth + 1);
        this.skipSpace();
        const next = b[this.pos++];
        if (next === close) return;
        if (next !== COMMA) {
          this.pos--;
          this.fail(`expected , or ${c === OPEN_BRACE ? '}' : ']'}`);
        }
      }
    }
    if (this.literal('true') || this.literal('false') || this.literal('null')) return;
    this.number();
  }

  private literal(word: string): boolean {
    const b = this.b;
    for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word.charCodeAt(i)) return false;
    this.pos += word.length;
    return true;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, moved past and returned as a number. */
  private number(): number {
    const b = this.b;
    const start = this.pos;
    let p = start;
    const negative = b[p] === 0x2d;
    if (negative) p++;
    // The integer part's value as it is read: a plain integer (the usual duration) needs no decoding.
    let value = 0;
    if (b[p] === 0x30) p++;
    else {
      const from = p;
      for (let c = b[p]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++p]) value = value * 10 + (c - 0x30);
      if (p === from) this.fail('unexpected character');
    }
    let plain = true;
    if (b[p] === 0x2e) {
      plain = false;
      p = this.digits(p + 1);
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      plain = false;
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      p = this.digits(p);
    }
    this.pos = p;
    if (plain && Number.isSafeInteger(value)) return negative ? -value : value;
    return Number(b.toString('latin1', start, p));
  }

  /** The index past the digits from `p`, of which there must be one at least. */
  private digits(p: number): number {
    const b = this.b;
    const from = p;
    for (let c = b[p]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++p]);
    if (p === from) this.fail('expected a digit');
    return p;
  }

}
