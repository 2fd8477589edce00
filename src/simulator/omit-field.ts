// The `omit_field` fault: an answer without one field, or with it null, as the SDK models allow
// (every field of them is optional). A path step ending in `[]` applies to every element of a list.

/** A copy of `body` with `field` (e.g. `process_list[].duration`) removed, or set to null when `asNull`. */
export function withoutField(body: unknown, field: string, asNull = false): unknown {
  return omit(body, field.split('.'), asNull);
}

function omit(value: unknown, steps: readonly string[], asNull: boolean): unknown {
  const [step, ...rest] = steps;
  if (step === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const key = step.endsWith('[]') ? step.slice(0, -2) : step;
  if (!(key in record)) return value;
  const copy = { ...record };
  if (step.endsWith('[]')) {
    const list = record[key];
    if (rest.length === 0 || !Array.isArray(list)) {
      if (asNull) copy[key] = null;
      else delete copy[key];
    } else {
      copy[key] = list.map((item: unknown) => omit(item, rest, asNull));
    }
  } else if (rest.length > 0) {
    copy[key] = omit(record[key], rest, asNull);
  } else if (asNull) {
    copy[key] = null;
  } else {
    delete copy[key];
  }
  return copy;
}
