// The `config` part of the chart's values.schema.json, generated from the exporter's own zod
// schema (src/config/schema.ts) so that `helm template` refuses what the exporter would refuse at
// start-up, with the path. The rest of the file (the chart's own values) is kept by hand; this
// replaces `properties.config` only. Where the chart is stricter than the exporter it says so:
// - credentials must be `${VAR}` references to the chart's Secret (or *_file paths), never literals;
// - an empty `projects` passes the schema: the templates then fail with what to set.
// `npm run generate` writes it; test/tools/generated.test.ts fails when it is out of date.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

export const VALUES_SCHEMA = 'helm/huaweicloud-db-exporter/values.schema.json';

/** Keys whose value is a credential: only a reference to an environment variable is accepted. */
const SECRET_KEYS = new Set(['access_key', 'secret_key', 'security_token', 'password', 'token']);
const ENV_REFERENCE = '^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies the chart's own rules to the generated schema, in place. */
function chartRules(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) chartRules(item);
    return;
  }
  if (!isObject(node)) return;
  const properties = node.properties;
  if (isObject(properties)) {
    for (const [key, child] of Object.entries(properties)) {
      if (SECRET_KEYS.has(key) && isObject(child) && child.type === 'string') {
        // Not a plain `pattern`: Helm would print the refused value, the secret, in its message.
        child.not = { not: { pattern: ENV_REFERENCE } };
        child.description = `a reference such as \${HWC_SECRET_KEY} to a variable the chart sets from its Secret (auth.*), or use ${key}_file; never the secret itself`;
      }
    }
    const projects = properties.projects;
    if (isObject(projects)) delete projects.minItems;
    // An instance is written as its id alone or as {id, name}: the exporter's preprocess step
    // turns the first into the second, which the generated schema does not see.
    const instances = properties.instances;
    if (isObject(instances) && isObject(instances.items) && isObject(instances.items.properties)) {
      const id = instances.items.properties.id;
      instances.items = { anyOf: [id, instances.items] };
    }
  }
  for (const value of Object.values(node)) chartRules(value);
}

/**
 * A key the exporter lets be absent (a section of defaults, an empty list) is not required, though
 * zod cannot see it through the preprocess step that fills it in: ask the key's own schema.
 */
function optionalKeys(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'object' || !Array.isArray(ctx.jsonSchema.required)) return;
  const shape = (def as z.core.$ZodObjectDef).shape;
  const required = ctx.jsonSchema.required.filter((key) => {
    const field = shape[key];
    return field === undefined || !z.safeParse(field, undefined).success;
  });
  if (required.length > 0) ctx.jsonSchema.required = required;
  else delete ctx.jsonSchema.required;
}

/** The exporter's configuration as JSON Schema (draft 7, which Helm 3 and 4 both read), with the chart's rules. */
export function configJsonSchema(): Json {
  const schema = z.toJSONSchema(configSchema({ baseDir: '/' }), {
    io: 'input', unrepresentable: 'any', target: 'draft-7', override: optionalKeys,
  }) as Json;
  delete schema.$schema;
  chartRules(schema);
  return { description: 'The exporter\'s configuration file (generated from its schema by npm run generate)', ...schema };
}

/** values.schema.json with its `config` part regenerated. */
export function renderValuesSchema(): string {
  // The repository's root from build/tools/chart/ as from tools/chart/ (under ts-jest).
  const root = new URL(import.meta.url.includes('/build/tools/') ? '../../../' : '../../', import.meta.url);
  const file = JSON.parse(readFileSync(new URL(VALUES_SCHEMA, root), 'utf8')) as Json;
  const properties = file.properties as Json;
  properties.config = configJsonSchema();
  return `${JSON.stringify(file, null, 2)}\n`;
}
