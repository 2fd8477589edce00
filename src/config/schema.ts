// The configuration file's schema: snake_case YAML in, the camelCase `Config` of types.ts out.
// Objects are strict, so a misspelt key is an error rather than a silently ignored setting.
// Every section is built by its own function; a later key (discovery, sharding, ...) is one
// more entry in the section's object and one more line in its transform.

import { INSTANCE_ID, INSTANCE_ID_FORMAT } from '../cloud/ids.js';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { COLLECTOR_DEFINITIONS } from '../collectors/index.js';
import { always, boolean, integer, list, nonEmpty, scheduleSection, section } from './fields.js';
import { defaultEndpoints, normalizeEndpoint } from './endpoints.js';
import { fileError, readSmallFileSync } from './files.js';
import { SDK_RELEASE } from './sdk-endpoints.js';
import type {
  AuthConfig,
  CollectorsConfig,
  Config,
  EngineConfig,
  HttpConfig,
  InstanceRef,
  ListenAddress,
  LogLevel,
  ProjectConfig,
  Service,
  WebSection,
} from './types.js';

export interface SchemaOptions {
  /** folder that relative file paths (`*_file`, `web.config_file`) are resolved against */
  baseDir: string;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];
/** paths the HTTP server serves itself; the telemetry path must not shadow them */
export const RESERVED_PATHS = ['/', '/-/healthy', '/-/ready', '/-/reload', '/sessions', '/api/v1/targets', '/api/v1/sessions'] as const;

export const DEFAULTS = {
  listenAddress: '0.0.0.0:10110',
  telemetryPath: '/metrics',
  timeout: '10s',
  retries: 2,
  concurrency: 8,
  maxInFlight: 64,
  discoverySchedule: '0 */10 * * * *',
  gracePolls: 2,
  /** lifetime asked of IAM for workload-identity keys; IAM allows 15 min to 24 h */
  workloadIdentityDuration: '1h',
} as const;

/** The `_file` form of a secret: the file's content without trailing newlines. */
function secretFile(options: SchemaOptions) {
  return nonEmpty().transform((file, ctx) => {
    const path = resolve(options.baseDir, file);
    let content: string;
    try {
      content = readSmallFileSync(path);
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: file, message: `cannot read ${JSON.stringify(path)}: ${fileError(error)}` });
      return z.NEVER;
    }
    const secret = content.replace(/[\r\n]+$/, '');
    if (secret === '') {
      ctx.issues.push({ code: 'custom', input: file, message: `file ${JSON.stringify(path)} is empty` });
      return z.NEVER;
    }
    return secret;
  });
}

/** The absolute path of a file read later (and again at run time), once it is readable now. */
function readablePath(options: SchemaOptions, file: string, ctx: z.RefinementCtx): string {
  const path = resolve(options.baseDir, file);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    ctx.issues.push({ code: 'custom', input: file, message: `cannot read ${JSON.stringify(path)}: ${fileError(error)}` });
    return z.NEVER;
  }
  return path;
}

/** Each of `keys` must be given either plainly or as `<key>_file`, not both, not neither. */
function exactlyOneOf(keys: readonly string[]) {
  return (value: object, ctx: z.RefinementCtx): void => {
    const given = value as Record<string, unknown>;
    for (const key of keys) {
      const plain = given[key] !== undefined;
      const file = given[`${key}_file`] !== undefined;
      if (plain && file) {
        ctx.addIssue({ code: 'custom', path: [`${key}_file`], message: `set either ${key} or ${key}_file, not both` });
      } else if (!plain && !file) {
        ctx.addIssue({ code: 'custom', path: [key], message: `required (or ${key}_file)` });
      }
    }
  };
}

/** An optional secret: `key` or `<key>_file`, not both. */
function atMostOneOf(key: string) {
  return (value: object, ctx: z.RefinementCtx): void => {
    const given = value as Record<string, unknown>;
    if (given[key] !== undefined && given[`${key}_file`] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [`${key}_file`], message: `set either ${key} or ${key}_file, not both` });
    }
  };
}

/** The value of a secret given in one of its two forms (checked by exactlyOneOf). */
function secretValue(plain: string | undefined, file: string | undefined): string {
  return plain ?? file ?? '';
}

// ---------------------------------------------------------------------------------------------
// web, log_level

/** Splits "host:port" ("0.0.0.0:10110", ":10110", "[::]:10110", "localhost:9100"); undefined if malformed. */
export function parseListenAddress(address: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const ipv6 = match[1];
  if (ipv6 !== undefined && !ipv6.includes(':')) return undefined;
  return { host: ipv6 ?? match[2] ?? '', port };
}

function webSchema(options: SchemaOptions) {
  return z
    .strictObject({
      listen_address: z
        .string()
        .default(DEFAULTS.listenAddress)
        .transform((address, ctx) => {
          const parsed = parseListenAddress(address);
          if (parsed === undefined) {
            ctx.issues.push({
              code: 'custom',
              input: address,
              message: `invalid listen address ${JSON.stringify(address)}: expected host:port with a port 0-65535, e.g. 0.0.0.0:10110 or [::]:10110`,
            });
            return z.NEVER;
          }
          return parsed;
        }),
      telemetry_path: z
        .string()
        .superRefine((path, ctx) => {
          if (!path.startsWith('/')) ctx.addIssue({ code: 'custom', message: 'must start with "/", e.g. /metrics' });
          else if ((RESERVED_PATHS as readonly string[]).includes(path)) {
            ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} is reserved: ${RESERVED_PATHS.join(', ')} are served by the exporter itself` });
          } else if (/[\s?#]/.test(path)) ctx.addIssue({ code: 'custom', message: 'must not contain whitespace, "?" or "#"' });
        })
        .default(DEFAULTS.telemetryPath),
      config_file: z.string().default('').transform((file, ctx) => (file === '' ? '' : readablePath(options, file, ctx))),
      enable_lifecycle: boolean().default(false),
    })
    .transform((web): WebSection => ({
      listenAddress: web.listen_address,
      telemetryPath: web.telemetry_path,
      configFile: web.config_file,
      enableLifecycle: web.enable_lifecycle,
    }));
}

const logLevelSchema = z
  .preprocess(
    (value) => (typeof value === 'string' ? value.toLowerCase() : value),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  )
  .default('info');

// ---------------------------------------------------------------------------------------------
// collectors, http

/** `collectors:`: each collector's own settings section (src/collectors), and discovery's schedule. */
const collectorsSchema = z
  .strictObject({
    ...Object.fromEntries(COLLECTOR_DEFINITIONS.map((collector) => [collector.name, collector.settings])),
    discovery: scheduleSection(DEFAULTS.discoverySchedule),
    grace_polls: integer(0, 100).default(DEFAULTS.gracePolls),
  })
  // Each collector's section was parsed by its own schema, under its own name.
  .transform((collectors) => collectors as CollectorsConfig);

const httpSchema = z
  .strictObject({
    timeout: durationSchema('exporter', 1).prefault(DEFAULTS.timeout),
    retries: integer(0, 10).default(DEFAULTS.retries),
    concurrency: integer(1).default(DEFAULTS.concurrency),
    max_in_flight: integer(1).default(DEFAULTS.maxInFlight),
  })
  .transform((http): HttpConfig => ({
    timeoutMs: http.timeout, retries: http.retries, concurrency: http.concurrency, maxInFlight: http.max_in_flight,
  }));

// ---------------------------------------------------------------------------------------------
// projects

function authSchema(options: SchemaOptions) {
  const secret = () => nonEmpty().optional();
  const file = () => secretFile(options).optional();
  const aksk = z
    .strictObject({
      type: z.literal('aksk'),
      access_key: secret(),
      access_key_file: file(),
      secret_key: secret(),
      secret_key_file: file(),
      security_token: secret(),
      security_token_file: file(),
    })
    .superRefine(exactlyOneOf(['access_key', 'secret_key']), { when: always })
    .superRefine(atMostOneOf('security_token'), { when: always });
  const password = z
    .strictObject({
      type: z.literal('password'),
      domain: nonEmpty(),
      user: nonEmpty(),
      password: secret(),
      password_file: file(),
    })
    .superRefine(exactlyOneOf(['password']), { when: always });
  const token = z
    .strictObject({ type: z.literal('token'), token: secret(), token_file: file() })
    .superRefine(exactlyOneOf(['token']), { when: always });
  const metadata = z.strictObject({ type: z.literal('metadata') });
  const workloadIdentity = z.strictObject({
    type: z.literal('workload_identity'),
    idp_id: nonEmpty(),
    id_token_file: nonEmpty().transform((file, ctx) => readablePath(options, file, ctx)),
    duration: durationSchema('exporter', 15 * 60 * 1000).prefault(DEFAULTS.workloadIdentityDuration)
      .refine((ms) => ms <= 24 * 3600 * 1000, { error: 'must be at most 24h (the longest IAM grants)' }),
  });
  const expected = 'aksk, password, token, metadata or workload_identity';

  return z
    .discriminatedUnion('type', [aksk, password, token, metadata, workloadIdentity], {
      error: (iss) => {
        if (iss.code === 'invalid_union') {
          const type = (iss.input as { type?: unknown } | undefined)?.type;
          return type === undefined ? `required: ${expected}` : `unknown auth type ${JSON.stringify(type)}: expected ${expected}`;
        }
        if (iss.code === 'invalid_type') {
          return iss.input === undefined ? 'required' : `expected a mapping with a type (${expected})`;
        }
        return undefined;
      },
    })
    .transform((auth): AuthConfig => {
      switch (auth.type) {
        case 'aksk':
          return {
            type: 'aksk',
            accessKey: secretValue(auth.access_key, auth.access_key_file),
            secretKey: secretValue(auth.secret_key, auth.secret_key_file),
            ...(auth.security_token !== undefined || auth.security_token_file !== undefined
              ? { securityToken: secretValue(auth.security_token, auth.security_token_file) } : {}),
          };
        case 'password':
          return { type: 'password', domain: auth.domain, user: auth.user, password: secretValue(auth.password, auth.password_file) };
        case 'token':
          return { type: 'token', token: secretValue(auth.token, auth.token_file) };
        case 'metadata':
          return { type: 'metadata' };
        case 'workload_identity':
          return { type: 'workload_identity', idpId: auth.idp_id, idTokenFile: auth.id_token_file, durationSeconds: Math.round(auth.duration / 1000) };
      }
    });
}

const instanceId = z
  .string()
  .regex(INSTANCE_ID, { error: (iss) => `invalid instance id ${JSON.stringify(iss.input)}: expected ${INSTANCE_ID_FORMAT}` });

/** An instance: its id as a string, or `{ id, name }`. */
const instanceRefSchema = z
  .preprocess(
    (value) => (typeof value === 'string' || typeof value === 'number' ? { id: value } : value),
    z.strictObject(
      { id: instanceId, name: nonEmpty().optional() },
      { error: (iss) => (iss.code === 'invalid_type' ? 'expected an instance id or a mapping with id and name' : undefined) },
    ),
  )
  .transform((ref): InstanceRef => ({ id: ref.id, name: ref.name ?? ref.id }));

/** A regular expression over instance names, compiled here so that a bad one is a config problem. */
const nameRegex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source);
  } catch (error) {
    ctx.issues.push({ code: 'custom', input: source, message: `invalid regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
});

/** A number written unquoted (`0`, the default enterprise project; a tag value `3`) is meant as text. */
function asText<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === 'number' ? String(value) : value), schema);
}

/** Tags to match, `key: value`. */
const tagMatch = z.preprocess((value) => value ?? {}, z.record(z.string().min(1, { error: 'a tag key must not be empty' }), asText(z.string())))
  .transform((tags) => new Map(Object.entries(tags)));

const engineSchema = section(z.strictObject({
  instances: list(instanceRefSchema),
  discover: boolean().default(false),
  include: nameRegex.optional(),
  exclude: nameRegex.optional(),
  enterprise_project_ids: list(asText(nonEmpty())),
  include_tags: tagMatch,
  exclude_tags: tagMatch,
  tags_allowlist: list(nonEmpty()),
})).transform((engine): EngineConfig => ({
  instances: engine.instances, discover: engine.discover, include: engine.include, exclude: engine.exclude,
  enterpriseProjectIds: engine.enterprise_project_ids, includeTags: engine.include_tags, excludeTags: engine.exclude_tags,
  tagsAllowlist: engine.tags_allowlist,
}));

function endpoint() {
  return z
    .string()
    .transform((text, ctx) => {
      const result = normalizeEndpoint(text);
      if ('error' in result) {
        ctx.issues.push({ code: 'custom', input: text, message: result.error });
        return z.NEVER;
      }
      return result.url;
    })
    .optional();
}

const endpointsSchema = section(z.strictObject({ iam: endpoint(), gaussdb: endpoint(), taurusdb: endpoint(), metadata: endpoint() }));

const ENGINES: readonly Service[] = ['gaussdb', 'taurusdb'];
const PRODUCT = { gaussdb: 'GaussDB', taurusdb: 'TaurusDB' } as const;

/** An instance id may appear once per project. Runs on partly invalid input too. */
function noDuplicateInstances(project: unknown, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const { id, engine, index } of configuredIds(project)) {
    const where = `${engine}.instances[${index}]`;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, where);
    else ctx.addIssue({ code: 'custom', path: [engine, 'instances', index], message: `duplicate instance id ${JSON.stringify(id)} (also at ${first})` });
  }
}

/** The instance ids a project entry lists, with where; runs on partly invalid input too. */
function configuredIds(project: unknown): Array<{ id: string; engine: string; index: number }> {
  if (typeof project !== 'object' || project === null) return [];
  return ENGINES.flatMap((engine) => {
    const instances = ((project as Record<string, unknown>)[engine] as { instances?: unknown } | undefined)?.instances;
    if (!Array.isArray(instances)) return [];
    return instances.flatMap((item: unknown, index) => {
      const id = typeof item === 'string' ? item : (item as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? [{ id, engine, index }] : [];
    });
  });
}

/** An instance under two project entries would be polled twice and give twice its series. */
function noInstanceInTwoProjects(projects: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(projects)) return;
  const seen = new Map<string, { project: number; where: string }>();
  projects.forEach((project: unknown, i) => {
    for (const { id, engine, index } of configuredIds(project)) {
      const first = seen.get(id);
      if (first === undefined) seen.set(id, { project: i, where: `projects[${i}].${engine}.instances[${index}]` });
      else if (first.project !== i) {
        ctx.addIssue({ code: 'custom', path: [i, engine, 'instances', index], message: `instance id ${JSON.stringify(id)} is also at ${first.where}: list each instance under one project` });
      }
    }
  });
}

function projectSchema(options: SchemaOptions) {
  return z
    .strictObject({
      region: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
        error: (iss) => `invalid region ${JSON.stringify(iss.input)}: expected lower-case letters, digits and hyphens, e.g. ap-southeast-1`,
      }),
      project_id: z.string().regex(/^[A-Za-z0-9]+$/, { error: 'must be letters and digits only, e.g. 0611f1bd8b00d5d32f17c017f15b599f' }),
      endpoints: endpointsSchema,
      auth: authSchema(options),
      gaussdb: engineSchema,
      taurusdb: engineSchema,
    })
    .superRefine(noDuplicateInstances, { when: always })
    .transform((project, ctx): ProjectConfig => {
      const defaults = defaultEndpoints(project.region);
      const endpoints = {
        iam: project.endpoints.iam ?? defaults.iam,
        gaussdb: project.endpoints.gaussdb ?? defaults.gaussdb,
        taurusdb: project.endpoints.taurusdb ?? defaults.taurusdb,
        ...(project.endpoints.metadata !== undefined ? { metadata: project.endpoints.metadata } : {}),
      };
      for (const engine of ENGINES) {
        const used = project[engine].instances.length > 0 || project[engine].discover;
        if (used && endpoints[engine] === undefined) {
          ctx.issues.push({
            code: 'custom', input: project.region, path: ['endpoints', engine],
            message: `required: the Huawei Cloud SDK (release ${SDK_RELEASE}) has no ${PRODUCT[engine]} endpoint for region ${project.region}; give the URL of its ${PRODUCT[engine]} API here`,
          });
        }
      }
      return {
        region: project.region,
        projectId: project.project_id,
        endpoints,
        auth: project.auth,
        gaussdb: project.gaussdb,
        taurusdb: project.taurusdb,
      };
    });
}

// ---------------------------------------------------------------------------------------------
// the file

/** The schema of the whole file; `options.baseDir` resolves relative file paths. */
export function configSchema(options: SchemaOptions) {
  return section(
    z.strictObject({
      web: section(webSchema(options)),
      log_level: logLevelSchema,
      collectors: section(collectorsSchema),
      http: section(httpSchema),
      projects: z
        .array(projectSchema(options), { error: (iss) => (iss.input === undefined ? 'required: list at least one project' : undefined) })
        .min(1, { error: 'must list at least one project' })
        .superRefine(noInstanceInTwoProjects, { when: always }),
    }),
  ).transform((file): Config => ({
    web: file.web,
    logLevel: file.log_level,
    collectors: file.collectors,
    http: file.http,
    projects: file.projects,
  }));
}
