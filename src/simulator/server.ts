// A fake Huawei Cloud on real node:http listeners: IAM, GaussDB and TaurusDB each on its own
// port (the real services live on separate hosts), with token and AK/SK authentication, the
// gateway's error bodies, a request log and run-time fault injection. For the demo, the
// integration tests and benchmarks; it binds 127.0.0.1 only.

import { randomBytes, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ExpiredTokenAnswers, withGatewayRequestId } from './gateway.js';
import { withoutField } from './omit-field.js';
import { LatencyQueue } from './latency.js';
import { RenderedPages } from './rendered-pages.js';
import { verifySignature } from './verify.js';
import { Federation, SIMULATOR_FEDERATION, type FederationSettings } from './federation.js';
import { MetadataService } from './metadata.js';
import { TemporaryKeys } from './temporary-keys.js';
import { Fleet, type FleetSpec, type Project } from './fleet.js';
import { Faults, parseFaultSpec, type ApiName, type FaultPlan, type FaultSpec } from './faults.js';
import {
  gaussDbListItem, htapBody, overviewBody, processItem, taurusDbListItem, withWrongTypes,
} from './wire.js';

export interface SimulatorOptions {
  /** default 1; the same seed gives the same fleet */
  seed?: number;
  /** sizes of a generated fleet; default: the demo fleet */
  fleet?: Partial<FleetSpec>;
  /** default 0 = ephemeral */
  ports?: { iam?: number; gaussdb?: number; taurusdb?: number };
  /** added to every answer (benchmarks), default 0 */
  latencyMs?: number;
  /** IAM token lifetime, default 24 h */
  tokenTtlMs?: number;
  /** advance the fleet every tickMs (the demo uses 10000); default 0 = only by fleet.tick() */
  tickMs?: number;
  /** idle keep-alive connections are closed after this, default 5000; benchmarks on a loaded
   *  machine raise it so a connection is not closed just as the client reuses it */
  keepAliveTimeoutMs?: number;
  /** lifetime of temporary AK/SK (metadata service, IAM federation), default 1 h; IAM's is at most this */
  temporaryKeyTtlMs?: number;
  /** the OIDC identity provider IAM trusts for workload identity; default SIMULATOR_FEDERATION */
  federation?: Partial<FederationSettings>;
}

export type ServiceName = 'iam' | 'gaussdb' | 'taurusdb';

export interface SimulatorCredentials {
  accessKey: string;
  secretKey: string;
  domain: string;
  user: string;
  password: string;
  /** a fixed token, valid for every project and never expiring (auth type token) */
  token: string;
}

/** The demo credentials; fixed so config/demo.yaml can name them. */
export const SIMULATOR_CREDENTIALS: Readonly<SimulatorCredentials> = Object.freeze({
  accessKey: 'HWCSIMULATORAK000001',
  secretKey: 'hwcSimulatorSecretKey0000000000000000001',
  domain: 'sim-account',
  user: 'monitoring',
  password: 'sim-Passw0rd!',
  // Real tokens are multi-KB opaque strings; so is this one.
  token: `MIIsim-${createHash('sha256').update('huaweicloud-db-exporter simulator').digest('hex').repeat(24)}`,
});

export const SIMULATOR_DEFAULT_PORTS = { iam: 10111, gaussdb: 10112, taurusdb: 10113 } as const;

export interface RequestRecord {
  service: ServiceName;
  method: string;
  path: string;
  query: Record<string, string>;
  /** the status answered; 0 while no answer has been given (hang, or still in progress) */
  status: number;
  /** one of the API names, `admin` for /-/ endpoints, `unknown` for paths that match no API */
  api: string;
  auth: 'token' | 'aksk' | 'none';
  /** the fault that decided the answer, if any */
  fault?: FaultSpec['kind'];
  /** `error_code` of an error answer */
  errorCode?: string;
  requestId: string;
}

/** The last `capacity` requests, plus per-API counters that count every request ever seen. */
export class RequestLog {
  private ring: RequestRecord[] = [];
  private start = 0;
  private byApi = new Map<string, number>();
  private seen = 0;

  constructor(readonly capacity = 10_000) {}

  record(entry: RequestRecord): void {
    this.seen++;
    this.byApi.set(entry.api, (this.byApi.get(entry.api) ?? 0) + 1);
    if (this.ring.length < this.capacity) {
      this.ring.push(entry);
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Oldest first, optionally only those matching every given field. */
  entries(filter: Partial<Pick<RequestRecord, 'api' | 'service' | 'status' | 'method'>> = {}): RequestRecord[] {
    const ordered = [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
    return ordered.filter((e) => (filter.api === undefined || e.api === filter.api)
      && (filter.service === undefined || e.service === filter.service)
      && (filter.status === undefined || e.status === filter.status)
      && (filter.method === undefined || e.method === filter.method));
  }

  last(): RequestRecord | undefined {
    return this.ring.length === 0 ? undefined : this.ring[(this.start + this.ring.length - 1) % this.ring.length];
  }

  /** Requests seen for `api` (every API when omitted), including those the ring has dropped. */
  count(api?: string): number {
    return api === undefined ? this.seen : (this.byApi.get(api) ?? 0);
  }

  /** Requests seen per API name. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.byApi);
  }

  clear(): void {
    this.ring = [];
    this.start = 0;
    this.byApi.clear();
    this.seen = 0;
  }
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** `body` already rendered as JSON, sent as is */
  rendered?: Buffer;
}

interface RouteMatch {
  api: ApiName | 'admin';
  methods: readonly string[];
  projectId?: string;
  instanceId?: string;
  handle: (ctx: Context) => Reply;
}

interface Context {
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  method: string;
  plan: FaultPlan;
}

interface TokenRecord {
  expiresAt: number;
  projectId: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);
const MAX_TOKENS = 10_000;
const DAY_MS = 86_400_000;

function dbsError(status: number, code: string, msg: string): Reply {
  return { status, body: { error_code: code, error_msg: msg } };
}

const notFoundInstance = (): Reply => dbsError(400, 'DBS.200022', 'Instance not found.');
const apiNotFound = (): Reply => dbsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
const badCredentials = (why: string): Reply => dbsError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${why}`);
// IAM answers in Keystone's shape, not the gateway's.
const iamError = (code: number, title: string, message: string): Reply => ({ status: code, body: { error: { code, message, title } } });

/** An integer query parameter within [min, max], its default when absent, or an error reply. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number | Reply {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    return dbsError(400, 'DBS.200001', `Invalid parameter ${name}: must be an integer from ${min}${max < 1e9 ? ` to ${max}` : ' up'}.`);
  }
  return value;
}

function isReply(value: number | Reply): value is Reply {
  return typeof value !== 'number';
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = record(current)?.[key];
  return current;
}

export class Simulator {
  /** `metadata` is the IAM listener, which also plays the ECS metadata service */
  readonly endpoints: { iam: string; gaussdb: string; taurusdb: string; metadata: string };
  readonly fleet: Fleet;
  readonly credentials: SimulatorCredentials = { ...SIMULATOR_CREDENTIALS };
  readonly faults = new Faults();
  readonly requests = new RequestLog();
  /** temporary key pairs of the metadata service and IAM federation */
  readonly temporaryKeys = new TemporaryKeys();
  readonly metadata: MetadataService;
  readonly federation: Federation;
  /** IAM tokens handed out */
  issuedTokens = 0;

  private readonly tokens = new Map<string, TokenRecord>();
  private readonly expiredTokenAnswers: ExpiredTokenAnswers;
  private readonly renderedPages: RenderedPages;
  /** request ids: a random prefix per simulator and a counter, unique without random bytes per request */
  private readonly requestIdPrefix = randomBytes(8).toString('hex');
  private requestCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** the network latency every answer but the admin API's waits */
  readonly latency: LatencyQueue;
  private tickTimer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly servers: Record<ServiceName, Server>,
    private readonly options: Required<Pick<SimulatorOptions, 'latencyMs' | 'tokenTtlMs' | 'tickMs' | 'temporaryKeyTtlMs'>>,
    fleet: Fleet,
    federation: FederationSettings,
  ) {
    this.fleet = fleet;
    this.latency = new LatencyQueue(options.latencyMs);
    this.expiredTokenAnswers = new ExpiredTokenAnswers(fleet.seed);
    this.renderedPages = new RenderedPages(() => fleet.clock);
    const url = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    this.endpoints = { iam: url(servers.iam), gaussdb: url(servers.gaussdb), taurusdb: url(servers.taurusdb), metadata: url(servers.iam) };
    this.metadata = new MetadataService(this.temporaryKeys, options.temporaryKeyTtlMs);
    this.federation = new Federation(federation, this.temporaryKeys, options.temporaryKeyTtlMs);
    if (options.tickMs > 0) {
      this.tickTimer = setInterval(() => this.fleet.tick(options.tickMs / 1000), options.tickMs);
      this.tickTimer.unref();
    }
  }

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const fleet = Fleet.create(options.seed ?? 1, options.fleet);
    const handlers: { sim?: Simulator } = {};
    const services: ServiceName[] = ['iam', 'gaussdb', 'taurusdb'];
    const started: Server[] = [];
    const servers = {} as Record<ServiceName, Server>;
    try {
      for (const service of services) {
        const server = createServer((req, res) => {
          // Listeners start before the Simulator exists; nothing connects before start() resolves.
          if (handlers.sim) handlers.sim.dispatch(service, req, res);
          else res.destroy();
        });
        server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.ports?.[service] ?? 0, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        started.push(server);
        servers[service] = server;
      }
    } catch (error) {
      await Promise.all(started.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      throw error;
    }
    const sim = new Simulator(servers, {
      latencyMs: options.latencyMs ?? 0,
      tokenTtlMs: options.tokenTtlMs ?? DAY_MS,
      tickMs: options.tickMs ?? 0,
      temporaryKeyTtlMs: options.temporaryKeyTtlMs ?? 3_600_000,
    }, fleet, { ...SIMULATOR_FEDERATION, ...options.federation });
    handlers.sim = sim;
    return sim;
  }

  /** Makes every token issued so far expired (the fixed credentials.token stays valid). */
  expireTokens(): void {
    const now = Date.now();
    for (const token of this.tokens.values()) token.expiresAt = now - 1;
  }

  /** Closes the listeners and every open socket (hung requests included) and stops the timers. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.tickTimer) clearInterval(this.tickTimer);
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.latency.clear();
      await Promise.all(Object.values(this.servers).map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    })();
    return this.closed;
  }

  // --- request handling ----------------------------------------------------------------------

  private dispatch(service: ServiceName, req: IncomingMessage, res: ServerResponse): void {
    this.handle(service, req, res).catch(() => {
      if (!res.headersSent) this.send(res, undefined, dbsError(500, 'DBS.200000', 'Internal server error.'));
      else res.destroy();
    });
  }

  private async handle(service: ServiceName, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const requestId = this.requestIdPrefix + (this.requestCount++).toString(16).padStart(16, '0');
    res.setHeader('X-Request-Id', requestId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const route = this.route(service, url.pathname);
    const entry: RequestRecord = {
      service, method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0,
      api: route?.api ?? 'unknown', auth: 'none', requestId,
    };
    this.requests.record(entry);

    const body = await this.readBody(req);
    if (body === undefined) {
      this.send(res, entry, dbsError(413, 'APIGW.0201', 'Request entity too large.'));
      return;
    }
    if (!route) {
      this.send(res, entry, apiNotFound());
      return;
    }
    if (!route.methods.includes(method)) {
      this.send(res, entry, {
        ...dbsError(405, 'APIGW.0101', `Method ${method} is not allowed for ${url.pathname}`),
        headers: { Allow: route.methods.join(', ') },
      });
      return;
    }
    // Checked while the answer waits out its latency, as the cloud's gateway does within its own.
    const denied = service === 'iam' ? undefined : this.authenticate(req, url, body, route.projectId ?? '', entry);
    if (route.api !== 'admin' && this.options.latencyMs > 0) {
      await this.latency.wait(arrivedAt);
      if (res.destroyed) return;
    }
    if (denied) {
      this.send(res, entry, denied);
      return;
    }

    const plan: FaultPlan = route.api === 'admin' ? { delayMs: 0, action: undefined } : this.faults.plan(route.api, route.instanceId);
    if (plan.delayMs > 0 && !(await this.sleep(plan.delayMs, res))) return;
    const action = plan.action;
    if (action) entry.fault = action.kind;
    switch (action?.kind) {
      case 'hang':
        return; // no answer: the client gives up, or close() destroys the socket
      case 'status': {
        const status = action.status ?? 503;
        const [code, msg] = status === 502 || status === 503 ? ['APIGW.0203', 'Backend unavailable']
          : status === 504 ? ['APIGW.0204', 'Backend timeout'] : ['DBS.200000', 'Internal server error.'];
        this.send(res, entry, dbsError(status, action.errorCode ?? code, action.errorMsg ?? msg));
        return;
      }
      case 'throttle':
        this.send(res, entry, {
          ...dbsError(429, 'APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute'),
          ...(action.retryAfterSeconds !== undefined ? { headers: { 'Retry-After': String(action.retryAfterSeconds) } } : {}),
        });
        return;
      case 'token_expired':
        this.send(res, entry, this.tokenExpired());
        return;
      default:
        break;
    }

    let reply = route.handle({ url, headers: req.headers, body, method, plan });
    const ok = reply.status >= 200 && reply.status < 300;
    if (ok && action?.kind === 'wrong_types') reply = { ...reply, body: withWrongTypes(route.api, reply.body) };
    if (ok && action?.kind === 'omit_field') reply = { ...reply, body: withoutField(reply.body, action.field, action.asNull) };
    if (action?.kind === 'oversized') {
      await this.sendOversized(res, entry, reply, action.bytes ?? 20 * 1024 * 1024);
    } else if (action?.kind === 'reset') {
      const json = JSON.stringify(reply.body);
      entry.status = reply.status;
      res.writeHead(reply.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(json) });
      res.write(json.slice(0, Math.floor(json.length / 2)), () => res.destroy());
    } else if (action?.kind === 'malformed_json') {
      const json = JSON.stringify(reply.body);
      this.send(res, entry, reply, json.slice(0, Math.max(1, Math.floor(json.length / 2))));
    } else {
      this.send(res, entry, reply);
    }
  }

  /** Which API a path is, on which listener. */
  private route(service: ServiceName, pathname: string): RouteMatch | undefined {
    if (service === 'iam') return this.iamRoute(pathname);
    let m = /^\/v3\/([^/]+)\/instances\/?$/.exec(pathname);
    if (m) {
      const projectId = m[1] ?? '';
      const api = service === 'gaussdb' ? 'gaussdb_instances' : 'taurusdb_instances';
      return { api, methods: ['GET'], projectId, handle: (ctx) => this.listInstances(service, projectId, ctx) };
    }
    const instanceRoutes: Array<[RegExp, ServiceName, ApiName, (projectId: string, id: string, ctx: Context) => Reply]> = [
      [/^\/v3\/([^/]+)\/instances\/([^/]+)\/session-overview\/?$/, 'gaussdb', 'gaussdb_session_overview', (p, id) => this.overview(p, id)],
      [/^\/v3\/([^/]+)\/instances\/([^/]+)\/htap\/?$/, 'taurusdb', 'taurusdb_htap', (p, id) => this.htap(p, id)],
      [/^\/v3\/([^/]+)\/instances\/([^/]+)\/htap\/process\/?$/, 'taurusdb', 'taurusdb_htap_process', (p, id, ctx) => this.process(p, id, ctx)],
    ];
    for (const [pattern, owner, api, handler] of instanceRoutes) {
      if (owner !== service) continue;
      m = pattern.exec(pathname);
      if (!m) continue;
      const projectId = m[1] ?? '';
      const instanceId = m[2] ?? '';
      return { api, methods: ['GET'], projectId, instanceId, handle: (ctx) => handler(projectId, instanceId, ctx) };
    }
    return undefined;
  }

  private iamRoute(pathname: string): RouteMatch | undefined {
    if (/^\/v3\/auth\/tokens\/?$/.test(pathname)) {
      return { api: 'iam_token', methods: ['POST'], handle: (ctx) => this.issueToken(ctx) };
    }
    if (pathname === '/meta-data/latest/api/token') {
      return { api: 'metadata_token', methods: ['PUT'], handle: (ctx) => this.metadata.sessionToken(ctx.headers) };
    }
    if (pathname === '/openstack/latest/securitykey') {
      return { api: 'metadata_securitykey', methods: ['GET'], handle: (ctx) => this.metadata.securityKey(ctx.headers) };
    }
    const idp = /^\/v3\/OS-FEDERATION\/identity_providers\/([^/]+)\/protocols\/oidc\/auth$/.exec(pathname);
    if (idp) {
      return { api: 'iam_federation_token', methods: ['POST'], handle: (ctx) => this.federation.federatedToken(decodeURIComponent(idp[1] ?? ''), ctx.headers) };
    }
    if (pathname === '/v3.0/OS-CREDENTIAL/securitytokens') {
      return { api: 'iam_security_token', methods: ['POST'], handle: (ctx) => this.federation.securityToken(ctx.headers, ctx.body) };
    }
    if (pathname === '/-/faults') return { api: 'admin', methods: ['GET', 'POST', 'DELETE'], handle: (ctx) => this.adminFaults(ctx) };
    const m = /^\/-\/faults\/(\d+)$/.exec(pathname);
    if (m) {
      const id = Number(m[1]);
      return {
        api: 'admin', methods: ['DELETE'],
        handle: () => (this.faults.remove(id) ? { status: 204, body: undefined } : { status: 404, body: { error: `no fault ${id}` } }),
      };
    }
    if (pathname === '/-/tick') return { api: 'admin', methods: ['POST'], handle: (ctx) => this.adminTick(ctx) };
    if (pathname === '/-/expire-tokens') {
      return { api: 'admin', methods: ['POST'], handle: () => { this.expireTokens(); return { status: 204, body: undefined }; } };
    }
    if (pathname === '/-/fleet') return { api: 'admin', methods: ['GET'], handle: () => ({ status: 200, body: this.fleetSummary() }) };
    return undefined;
  }

  /** undefined when the request passes; otherwise the 401 to answer. */
  private authenticate(req: IncomingMessage, url: URL, body: Buffer, projectId: string, entry: RequestRecord): Reply | undefined {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && token !== '') {
      entry.auth = 'token';
      if (token !== this.credentials.token) {
        const issued = this.tokens.get(token);
        if (!issued) return badCredentials('the token is invalid');
        if (Date.now() >= issued.expiresAt) return this.tokenExpired();
        if (issued.projectId !== projectId) return badCredentials(`the token is not scoped to project ${projectId}`);
      }
    } else if (req.headers.authorization !== undefined) {
      entry.auth = 'aksk';
      const verdict = verifySignature(
        { method: req.method ?? 'GET', url, headers: req.headers, body },
        (ak) => (ak === this.credentials.accessKey ? this.credentials.secretKey : this.temporaryKeys.lookup(ak)),
      );
      if (!verdict.ok) return badCredentials(`verify aksk signature fail: ${verdict.reason}`);
      const temporary = this.temporaryKeys.lookup(verdict.accessKey);
      if (temporary && Date.now() >= temporary.expiresAt) return badCredentials('the security token has expired');
      const header = req.headers['x-project-id'];
      if (typeof header === 'string' && header !== projectId) {
        return badCredentials(`X-Project-Id ${header} does not match the project ${projectId} in the path`);
      }
    } else {
      return badCredentials('x-auth-token not found');
    }
    if (!this.fleet.project(projectId)) return badCredentials(`project ${projectId} does not belong to this account`);
    return undefined;
  }

  private tokenExpired(): Reply {
    const { code, msg } = this.expiredTokenAnswers.next();
    return dbsError(401, code, msg);
  }

  // --- APIs ----------------------------------------------------------------------------------

  private issueToken(ctx: Context): Reply {
    let parsed: unknown;
    try {
      parsed = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return iamError(400, 'Bad Request', 'The request body is invalid');
    }
    const methods = path(parsed, 'auth', 'identity', 'methods');
    const user = path(parsed, 'auth', 'identity', 'password', 'user');
    const name = path(user, 'name');
    const password = path(user, 'password');
    const domain = path(user, 'domain', 'name');
    const scopeId = path(parsed, 'auth', 'scope', 'project', 'id');
    const scopeName = path(parsed, 'auth', 'scope', 'project', 'name');
    if (!Array.isArray(methods) || !methods.includes('password') || typeof name !== 'string' || typeof password !== 'string'
      || typeof domain !== 'string' || (typeof scopeId !== 'string' && typeof scopeName !== 'string')) {
      return iamError(400, 'Bad Request', 'The request body is invalid');
    }
    const c = this.credentials;
    if (name !== c.user || password !== c.password || domain !== c.domain) {
      return iamError(401, 'Unauthorized', 'The username or password is wrong.');
    }
    const project = typeof scopeId === 'string'
      ? this.fleet.project(scopeId)
      : this.fleet.projects.find((p) => p.region === scopeName);
    if (!project) return iamError(401, 'Unauthorized', 'The project in the scope does not exist.');

    const token = `MIIsim${randomBytes(1536).toString('base64url')}`;
    const now = Date.now();
    const expiresAt = now + this.options.tokenTtlMs;
    if (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next();
      if (!oldest.done) this.tokens.delete(oldest.value);
    }
    this.tokens.set(token, { expiresAt, projectId: project.projectId });
    this.issuedTokens++;
    const domainRef = { id: createHash('md5').update(c.domain).digest('hex'), name: c.domain };
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: new Date(expiresAt).toISOString().replace('Z', '000Z'),
          issued_at: new Date(now).toISOString().replace('Z', '000Z'),
          methods: ['password'],
          catalog: [],
          project: { id: project.projectId, name: project.region, domain: domainRef },
          user: {
            id: createHash('md5').update(`${c.domain}/${c.user}`).digest('hex'),
            name: c.user,
            domain: domainRef,
            password_expires_at: '',
          },
          roles: [{ id: '0', name: 'op_service' }, { id: '1', name: 'readonly' }],
        },
      },
    };
  }

  private listInstances(service: ServiceName, projectId: string, ctx: Context): Reply {
    const limit = intParam(ctx.url, 'limit', 100, 1, 100);
    if (isReply(limit)) return limit;
    const offset = intParam(ctx.url, 'offset', 0, 0, 1e9);
    if (isReply(offset)) return offset;
    const project = this.fleet.project(projectId) as Project;
    const body = service === 'gaussdb'
      ? { instances: project.gaussdb.slice(offset, offset + limit).map((g) => gaussDbListItem(g, project)), total_count: project.gaussdb.length }
      : { instances: project.taurusdb.slice(offset, offset + limit).map((t) => taurusDbListItem(t, project)), total_count: project.taurusdb.length };
    return { status: 200, body };
  }

  private overview(projectId: string, id: string): Reply {
    const instance = this.fleet.gaussdb(id);
    if (!instance || this.fleet.projectOf(id)?.projectId !== projectId) return notFoundInstance();
    return { status: 200, body: overviewBody(instance, this.fleet.ticks) };
  }

  private htap(projectId: string, id: string): Reply {
    const instance = this.fleet.taurusdb(id);
    const project = this.fleet.projectOf(id);
    if (!instance || !project || project.projectId !== projectId) return notFoundInstance();
    return { status: 200, body: htapBody(instance, project) };
  }

  private process(projectId: string, id: string, ctx: Context): Reply {
    const instance = this.fleet.htap(id);
    if (!instance || this.fleet.projectOf(id)?.projectId !== projectId) return notFoundInstance();
    const limit = intParam(ctx.url, 'limit', 100, 1, 100);
    if (isReply(limit)) return limit;
    const offset = intParam(ctx.url, 'offset', 0, 0, 1e9);
    if (isReply(offset)) return offset;
    if (instance.engine !== 'star-rocks') {
      return dbsError(400, 'DBS.200019', `The operation is not supported by HTAP engine ${instance.engine}.`);
    }
    // Without a fault that needs the answer as objects, the page rendered once per tick.
    if (ctx.plan.action === undefined) return { status: 200, body: undefined, rendered: this.renderedPages.page(instance, offset, limit) };
    const ignoringLimit = ctx.plan.action.kind === 'ignore_limit' ? ctx.plan.action : undefined;
    let sessions = ignoringLimit ? instance.page(offset, ignoringLimit.pageSize ?? instance.sessionCount) : instance.page(offset, limit);
    if (ctx.plan.action.kind === 'repeat_page') {
      // The same full page whatever the offset: the first `limit` sessions, cycled when fewer.
      const count = instance.sessionCount;
      sessions = count === 0 ? [] : Array.from({ length: limit }, (_, i) => instance.sessionAt(i % count)).filter((s) => s !== undefined);
    }
    return { status: 200, body: { process_list: sessions.map(processItem) } };
  }

  // --- admin (IAM listener, for the demo and soak scripts) -----------------------------------

  private adminFaults(ctx: Context): Reply {
    if (ctx.method === 'GET') {
      return { status: 200, body: { faults: this.faults.list().map((f) => ({ id: f.id, hits: f.hits, ...f.spec })) } };
    }
    if (ctx.method === 'DELETE') {
      this.faults.clear();
      return { status: 204, body: undefined };
    }
    try {
      const handle = this.faults.add(parseFaultSpec(JSON.parse(ctx.body.toString('utf8'))));
      return { status: 201, body: { id: handle.id, ...handle.spec } };
    } catch (error) {
      return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
    }
  }

  private adminTick(ctx: Context): Reply {
    const raw = ctx.url.searchParams.get('seconds');
    const seconds = raw === null ? undefined : Number(raw);
    if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0 && seconds <= 86_400)) {
      return { status: 400, body: { error: 'seconds must be a number from 0 to 86400' } };
    }
    this.fleet.tick(seconds);
    return { status: 200, body: { clock: this.fleet.clock, ticks: this.fleet.ticks } };
  }

  private fleetSummary(): unknown {
    return {
      seed: this.fleet.seed,
      clock: this.fleet.clock,
      ticks: this.fleet.ticks,
      demo: this.fleet.demo ?? null,
      projects: this.fleet.projects.map((p) => ({
        projectId: p.projectId,
        region: p.region,
        gaussdb: p.gaussdb.map((g) => ({ id: g.id, name: g.name })),
        taurusdb: p.taurusdb.map((t) => ({
          id: t.id,
          name: t.name,
          htap: t.htap.map((h) => ({ id: h.id, name: h.name, engine: h.engine, sessions: h.sessionCount })),
        })),
      })),
    };
  }

  // --- plumbing ------------------------------------------------------------------------------

  /** The request body, or undefined when it is larger than MAX_BODY_BYTES. */
  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    // A request without a body (every GET of a poll) ends at its headers: nothing to wait for.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return EMPTY;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_BODY_BYTES) return undefined;
      chunks.push(buf);
    }
    return Buffer.concat(chunks);
  }

  /** Waits `ms`; false when the connection went away or the simulator closed meanwhile. */
  private sleep(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(!res.destroyed);
      }, ms);
      this.timers.add(timer);
      // close() clears the timer; the socket is destroyed with it, so resolving is moot then.
    });
  }

  private send(res: ServerResponse, entry: RequestRecord | undefined, reply: Reply, rawBody?: string): void {
    if (res.destroyed) return;
    if (entry) entry.status = reply.status;
    const code = path(reply.body, 'error_code');
    if (entry && typeof code === 'string') entry.errorCode = code;
    const body = entry && reply.status >= 400 ? withGatewayRequestId(reply.body, entry.requestId) : reply.body;
    // A string body is sent as it is (the metadata service answers plain text).
    const bytes = rawBody !== undefined ? Buffer.from(rawBody)
      : reply.rendered ?? (body === undefined ? EMPTY : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
    const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': bytes.length };
    if (bytes.length > 0 && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
    res.writeHead(reply.status, headers);
    res.end(bytes);
  }

  /** The `oversized` fault: the real answer with a `filler` field of about `bytes` bytes in front,
   *  streamed in chunks with back-pressure so the simulator itself stays small. */
  private async sendOversized(res: ServerResponse, entry: RequestRecord, reply: Reply, bytes: number): Promise<void> {
    const json = JSON.stringify(reply.body ?? {});
    const rest = json === '{}' ? '}' : `,${json.slice(1)}`;
    entry.status = reply.status;
    res.writeHead(reply.status, { 'Content-Type': 'application/json;charset=UTF-8' });
    res.write('{"filler":"');
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Math.ceil(bytes / chunk.length);
    for (let i = 0; i < chunks && !res.destroyed; i++) {
      if (!res.write(chunk)) await this.drained(res);
    }
    if (!res.destroyed) res.end(`"${rest}`);
  }

  private drained(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
}
