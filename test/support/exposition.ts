// A small parser of the Prometheus text format for assertions: series → value, and the set of
// families with their TYPE. Deliberately strict: a line it cannot read fails the test.

export interface ParsedExposition {
  /** `name{a="x",b="y"}` (labels in exposition order) → value */
  series: Map<string, number>;
  types: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;

export function parseExposition(text: string): ParsedExposition {
  const series = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name ?? '', type ?? '');
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`unreadable exposition line: ${line}`);
    const key = `${match[1]}${match[2] ?? ''}`;
    if (series.has(key)) throw new Error(`duplicate series: ${key}`);
    series.set(key, Number(match[3]));
  }
  return { series, types };
}

/** The series of one family whose labels include every given pair, keyed by their label text. */
export function seriesOf(parsed: ParsedExposition, family: string, labels: Record<string, string> = {}): Map<string, number> {
  const found = new Map<string, number>();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [key, value] of parsed.series) {
    const brace = key.indexOf('{');
    const name = brace < 0 ? key : key.slice(0, brace);
    if (name !== family) continue;
    const labelText = brace < 0 ? '' : key.slice(brace);
    if (wanted.every((pair) => labelText.includes(`{${pair},`) || labelText.includes(`,${pair},`) || labelText.includes(`,${pair}}`) || labelText.includes(`{${pair}}`))) {
      found.set(labelText, value);
    }
  }
  return found;
}

/** The single value of a series identified by family and labels; throws unless exactly one matches. */
export function valueOf(parsed: ParsedExposition, family: string, labels: Record<string, string> = {}): number {
  const value = optionalValueOf(parsed, family, labels);
  if (value === undefined) throw new Error(`${family}${JSON.stringify(labels)}: 0 series match`);
  return value;
}

/** The value of the one series of `family` with `labels`, or undefined when there is none. */
export function optionalValueOf(parsed: ParsedExposition, family: string, labels: Record<string, string> = {}): number | undefined {
  const found = seriesOf(parsed, family, labels);
  if (found.size > 1) throw new Error(`${family}${JSON.stringify(labels)}: ${found.size} series match`);
  return [...found.values()][0];
}
