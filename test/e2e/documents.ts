// Typed reading of parsed documents: rendered manifests, rule files, dashboards, Prometheus API
// answers. What YAML.parse, JSON.parse and fetch return is `unknown` here; these helpers walk a
// path into it and narrow what they find, and a wrong shape fails naming the path it was read at.
//
//   get(doc, 'spec', 'template', 'spec', 'containers', 0)   the value there (unknown)
//   obj(doc, 'metadata') / objs(doc, 'spec', 'containers')  an object / an array of objects
//   list(...) / str(...) / num(...)                          an array / a string / a number
//   getOptional(doc, 'data', 'config.yaml')                  like doc?.data?.['config.yaml']

/** A parsed object: its own fields read as `unknown`, deeper ones through the helpers below. */
export type Doc = Record<string, unknown>;

/** A step of a path: a field name, or an array index. */
export type Key = string | number;

const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);
const isList = (value: unknown): value is unknown[] => Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';

/** A path as code would spell it: spec.containers[0].env, data["config.yaml"]. */
function where(path: readonly Key[]): string {
  if (path.length === 0) return 'the value';
  return path.map((key, i) => {
    if (typeof key === 'number') return `[${key}]`;
    if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `[${JSON.stringify(key)}]`;
    return i === 0 ? key : `.${key}`;
  }).join('');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (isList(value)) return 'an array';
  return isDoc(value) ? 'an object' : typeof value;
}

/**
 * The value at `path` (undefined when only its last field is missing, as in `doc.a.b`). Every
 * step before the last must be there: an object for a field name, an array for an index.
 */
export function get(value: unknown, ...path: Key[]): unknown {
  let here = value;
  for (const [i, key] of path.entries()) {
    if (typeof key === 'number' && isList(here)) here = here[key];
    else if (typeof key === 'string' && isDoc(here)) here = here[key];
    else {
      const wanted = typeof key === 'number' ? 'an array' : 'an object';
      throw new TypeError(`${where(path.slice(0, i))} is ${kindOf(here)}, not ${wanted} (reading ${where(path)})`);
    }
  }
  return here;
}

/** The value at `path`, or undefined as soon as a step is missing (as in `doc?.a?.b`). */
export function getOptional(value: unknown, ...path: Key[]): unknown {
  let here = value;
  for (const key of path) {
    if (typeof key === 'number' && isList(here)) here = here[key];
    else if (typeof key === 'string' && isDoc(here)) here = here[key];
    else return undefined;
  }
  return here;
}

function narrow<T>(value: unknown, path: Key[], wanted: string, is: (found: unknown) => found is T): T {
  const found = get(value, ...path);
  if (!is(found)) throw new TypeError(`${where(path)} is ${kindOf(found)}, not ${wanted}`);
  return found;
}

/** The object at `path` (the same object, not a copy: writing to it writes to the document). */
export const obj = (value: unknown, ...path: Key[]): Doc => narrow(value, path, 'an object', isDoc);

/** The array at `path`. */
export const list = (value: unknown, ...path: Key[]): unknown[] => narrow(value, path, 'an array', isList);

/** The array of objects at `path`. */
export const objs = (value: unknown, ...path: Key[]): Doc[] => list(value, ...path).map((_, i) => obj(value, ...path, i));

/** The string at `path`. */
export const str = (value: unknown, ...path: Key[]): string => narrow(value, path, 'a string', isString);

/** The number at `path`. */
export const num = (value: unknown, ...path: Key[]): number => narrow(value, path, 'a number', isNumber);
