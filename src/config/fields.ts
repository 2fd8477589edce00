// Building blocks of the configuration schemas: the shapes every section uses, so that a value
// means the same in every place (a number may come from `${VAR}`, an absent section is all
// defaults, a cron expression is checked by node-cron). The exporter's file (schema.ts), each
// collector's own settings (src/collectors/*.ts) and the web config (web-config.ts) are built
// from these.
import cron from 'node-cron';
import { z } from 'zod';

/** Let refinements that compare keys run even when one of the keys failed on its own. */
export const always = (): boolean => true;

/** An optional section: absent, or present with every key commented out (YAML null), means all defaults. */
export function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => value ?? {}, schema);
}

/** A list that may be absent or empty. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => value ?? [], z.array(item));
}

/** Numbers and booleans may come from `${VAR}`, which always yields a string. */
function fromNumericString(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

export function integer(min: number, max?: number) {
  let schema = z.number().int({ error: 'must be a whole number' }).min(min, { error: `must be at least ${min}` });
  if (max !== undefined) schema = schema.max(max, { error: `must be at most ${max}` });
  return z.preprocess(fromNumericString, schema);
}

export function nonNegativeNumber() {
  return z.preprocess(fromNumericString, z.number().min(0, { error: 'must not be negative' }));
}

export function boolean() {
  return z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
}

export function nonEmpty() {
  return z.string().min(1, { error: 'must not be empty' });
}

const CRON_FIELDS = [
  ['minute', '0-59'], ['hour', '0-23'], ['day-of-month', '1-31'], ['month', '1-12 or jan-dec'], ['day-of-week', '0-7 or sun-sat'],
] as const;

/** Each field of a 5- or 6-field expression that node-cron refuses on its own, named with its range. */
function wrongCronFields(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  const names = fields.length === 6 ? [['second', '0-59'] as const, ...CRON_FIELDS] : CRON_FIELDS;
  return fields.flatMap((field, i) => {
    // The field alone, every other one `*`: node-cron then judges only this one.
    const alone = fields.map((other, j) => (j === i ? other : '*')).join(' ');
    const [name, range] = names[i] ?? ['field', ''];
    return cron.validate(alone) ? [] : [`the ${name} field ${JSON.stringify(field)} is malformed or out of range (${range})`];
  });
}

export function cronSchedule(fallback: string) {
  return z
    .string()
    .superRefine((expression, ctx) => {
      const fields = expression.trim() === '' ? 0 : expression.trim().split(/\s+/).length;
      if (fields !== 5 && fields !== 6) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid cron expression ${JSON.stringify(expression)}: expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field`,
        });
      } else if (!cron.validate(expression)) {
        const wrong = wrongCronFields(expression);
        ctx.addIssue({
          code: 'custom',
          message: `invalid cron expression ${JSON.stringify(expression)}: `
            + (wrong.length > 0 ? wrong.join('; ') : 'the fields do not combine into a schedule'),
        });
      }
    })
    .default(fallback);
}

/** `collectors.<name>` of a collector that has nothing to tune but its schedule. */
export function scheduleSection(fallback: string) {
  return section(z.strictObject({ schedule: cronSchedule(fallback) }))
    .transform((collector): { schedule: string } => ({ schedule: collector.schedule }));
}
