// Fault injection for the simulator: rules switched on and off at run time (from tests, or over
// HTTP by the demo and soak scripts) that make matching requests slow, fail, or answer garbage.

export const API_NAMES = [
  'iam_token',
  'gaussdb_session_overview',
  'gaussdb_instances',
  'taurusdb_htap',
  'taurusdb_htap_process',
  'taurusdb_instances',
  'metadata_token',
  'metadata_securitykey',
  'iam_federation_token',
  'iam_security_token',
] as const;
export type ApiName = (typeof API_NAMES)[number];

export const FAULT_KINDS = [
  'latency', 'hang', 'status', 'throttle', 'token_expired', 'reset', 'malformed_json', 'wrong_types', 'repeat_page', 'oversized',
  'omit_field', 'ignore_limit',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultTarget {
  /** only requests to this API (default: every API) */
  api?: ApiName;
  /** only requests whose path names this instance (default: any) */
  instanceId?: string;
  /** applies to this many matching requests, then is removed (default: until removed) */
  times?: number;
}

export type FaultSpec = FaultTarget & (
  /** answer `ms` later (adds up with other latency faults) */
  | { kind: 'latency'; ms: number }
  /** never answer; the client has to give up (or the simulator close) */
  | { kind: 'hang' }
  /** an error status (default 503) with a DBS/APIGW error body */
  | { kind: 'status'; status?: number; errorCode?: string; errorMsg?: string }
  /** 429 APIGW.0308, with a Retry-After header when retryAfterSeconds is set */
  | { kind: 'throttle'; retryAfterSeconds?: number }
  /** 401 as if the token had expired: APIGW.0301 or APIGW.0307, drawn from the seeded PRNG */
  | { kind: 'token_expired' }
  /** headers and half the body, then the socket is destroyed */
  | { kind: 'reset' }
  /** 200 with a truncated JSON body */
  | { kind: 'malformed_json' }
  /** 200 with fields of the wrong type ("n/a" counts, duration "abc", numbers for strings) */
  | { kind: 'wrong_types' }
  /** the process list returns the same full page whatever the offset */
  | { kind: 'repeat_page' }
  /** 200 with a valid but huge JSON body of about `bytes` (default 20 MB), streamed */
  | { kind: 'oversized'; bytes?: number }
  /** 200 without one field (every SDK model field is optional), or with it null when `asNull`;
   *  `field` is a path such as `total_num`, `instances[].instance_state.instance_status`, `process_list[].duration` */
  | { kind: 'omit_field'; field: string; asNull?: boolean }
  /** the process list answers `pageSize` sessions from the offset (default: all of them), whatever the limit */
  | { kind: 'ignore_limit'; pageSize?: number }
);

export interface FaultHandle {
  readonly id: number;
  readonly spec: FaultSpec;
  /** matching requests it has applied to so far */
  readonly hits: number;
  /** false once removed, cleared or used up */
  readonly active: boolean;
  remove(): void;
}

/** What the server must do to one request, from every fault that matched it. */
export interface FaultPlan {
  /** summed latency faults, ms */
  delayMs: number;
  /** the first matching non-latency fault, which decides the answer */
  action: Exclude<FaultSpec, { kind: 'latency' }> | undefined;
}

class Rule implements FaultHandle {
  hits = 0;
  active = true;
  constructor(readonly id: number, readonly spec: FaultSpec, private readonly owner: Faults) {}
  remove(): void {
    this.owner.remove(this.id);
  }
}

export class Faults {
  private rules: Rule[] = [];
  private nextId = 1;

  add(spec: FaultSpec): FaultHandle {
    const rule = new Rule(this.nextId++, { ...spec }, this);
    this.rules.push(rule);
    return rule;
  }

  remove(id: number): boolean {
    const rule = this.rules.find((r) => r.id === id);
    if (!rule) return false;
    rule.active = false;
    this.rules = this.rules.filter((r) => r !== rule);
    return true;
  }

  clear(): void {
    for (const rule of this.rules) rule.active = false;
    this.rules = [];
  }

  list(): FaultHandle[] {
    return [...this.rules];
  }

  /** The plan for one request; counts a hit on (and uses up `times` of) every fault it applies. */
  plan(api: string, instanceId: string | undefined): FaultPlan {
    const result: FaultPlan = { delayMs: 0, action: undefined };
    for (const rule of [...this.rules]) {
      const { spec } = rule;
      if (spec.api !== undefined && spec.api !== api) continue;
      if (spec.instanceId !== undefined && spec.instanceId !== instanceId) continue;
      if (spec.kind === 'latency') {
        result.delayMs += spec.ms;
      } else if (result.action === undefined) {
        result.action = spec;
      } else {
        continue; // shadowed by an earlier fault: not applied, so not used up
      }
      rule.hits++;
      if (spec.times !== undefined && rule.hits >= spec.times) this.remove(rule.id);
    }
    return result;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(obj: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${key} must be a number from ${min} to ${max}`);
  }
  return value;
}

function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`${key} must be a string`);
  return value;
}

/** Validates a fault given as JSON (the admin endpoint); throws with a readable message. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!isRecord(input)) throw new Error('a fault is a JSON object');
  const kind = input['kind'];
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const target: FaultTarget = {};
  const api = optionalString(input, 'api');
  if (api !== undefined) {
    if (!(API_NAMES as readonly string[]).includes(api)) throw new Error(`api must be one of ${API_NAMES.join(', ')}`);
    target.api = api as ApiName;
  }
  const instanceId = optionalString(input, 'instanceId');
  if (instanceId !== undefined) target.instanceId = instanceId;
  const times = optionalNumber(input, 'times', 1, Number.MAX_SAFE_INTEGER);
  if (times !== undefined) target.times = Math.floor(times);

  switch (kind as FaultKind) {
    case 'latency': {
      const ms = optionalNumber(input, 'ms', 0, 3_600_000);
      if (ms === undefined) throw new Error('a latency fault needs ms');
      return { ...target, kind: 'latency', ms };
    }
    case 'status': {
      const status = optionalNumber(input, 'status', 400, 599);
      const errorCode = optionalString(input, 'errorCode');
      const errorMsg = optionalString(input, 'errorMsg');
      return {
        ...target, kind: 'status',
        ...(status !== undefined ? { status: Math.floor(status) } : {}),
        ...(errorCode !== undefined ? { errorCode } : {}),
        ...(errorMsg !== undefined ? { errorMsg } : {}),
      };
    }
    case 'throttle': {
      const retryAfterSeconds = optionalNumber(input, 'retryAfterSeconds', 0, 86_400);
      return { ...target, kind: 'throttle', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
    }
    case 'oversized': {
      const bytes = optionalNumber(input, 'bytes', 1, 1024 * 1024 * 1024);
      return { ...target, kind: 'oversized', ...(bytes !== undefined ? { bytes: Math.floor(bytes) } : {}) };
    }
    case 'omit_field': {
      const field = optionalString(input, 'field');
      if (field === undefined || !/^[a-z_]+(\[\])?(\.[a-z_]+(\[\])?)*$/.test(field)) throw new Error('an omit_field fault needs a field path such as process_list[].duration');
      const asNull = input['asNull'];
      if (asNull !== undefined && typeof asNull !== 'boolean') throw new Error('asNull must be true or false');
      return { ...target, kind: 'omit_field', field, ...(asNull === true ? { asNull } : {}) };
    }
    case 'ignore_limit': {
      const pageSize = optionalNumber(input, 'pageSize', 1, 1_000_000);
      return { ...target, kind: 'ignore_limit', ...(pageSize !== undefined ? { pageSize: Math.floor(pageSize) } : {}) };
    }
    case 'hang': return { ...target, kind: 'hang' };
    case 'token_expired': return { ...target, kind: 'token_expired' };
    case 'reset': return { ...target, kind: 'reset' };
    case 'malformed_json': return { ...target, kind: 'malformed_json' };
    case 'wrong_types': return { ...target, kind: 'wrong_types' };
    case 'repeat_page': return { ...target, kind: 'repeat_page' };
  }
}
