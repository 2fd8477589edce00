// The exporter's listening server and its protection, per the web config file
// (src/config/web-config.ts):
// plain HTTP, or HTTPS with optional client certificates; basic auth; extra response headers; a
// rate limit; request and header timeouts and bounded headers always.
//
// The file is checked again on requests, at most once per second (exporter-toolkit re-reads it
// on every request and handshake): when it or a file it names changed, it is loaded again and,
// if valid, takes effect without a restart; certificates are swapped with setSecureContext. A
// changed file that is invalid is logged and the last good configuration stays. Switching
// between HTTP and HTTPS needs a restart.
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import http from 'node:http';
import https from 'node:https';
import { isIP, isIPv6 } from 'node:net';
import tls from 'node:tls';
import { fileStamp, type Seen } from '../config/files.js';
import { secureContextOptions } from '../config/tls-material.js';
import { readWebConfig, WebConfigError, type ClientAuthType, type WebConfigFile, type WebTlsConfig } from '../config/web-config.js';
import { BasicAuth, BasicAuthState } from './basic-auth.js';

export const AUTH_REALM = 'huaweicloud-db-exporter';

/** Limits applied to every server made here. */
export const SERVER_LIMITS = {
  /** whole request, headers and body */
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  /** idle keep-alive connections; above the usual 60 s scrape interval so connections are reused */
  keepAliveTimeoutMs: 65_000,
  /** idle sockets that have not sent a complete request */
  socketTimeoutMs: 75_000,
  tlsHandshakeTimeoutMs: 10_000,
  maxHeaderSize: 16 * 1024,
  maxRequestsPerSocket: 1000,
  /** how often Node checks the request and headers timeouts */
  connectionsCheckingIntervalMs: 5_000,
} as const;

/** Node's per-connection client certificate settings for a client auth type. */
function clientCertOptions(type: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    requestCert: type !== 'NoClientCert',
    rejectUnauthorized: type === 'RequireAndVerifyClientCert',
  };
}

// ---------------------------------------------------------------------------------------------
// Client certificate checks that Node does not make itself

/** The SAN values of a certificate as Go prints them: DNS names, emails, IPs, URIs. */
export function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  const values: string[] = [];
  // "DNS:a.example, IP Address:127.0.0.1, email:x@y, URI:spiffe://z"; values with special
  // characters are JSON-quoted by Node.
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  let match: RegExpExecArray | null;
  while (entry.lastIndex < text.length && (match = entry.exec(text)) !== null) {
    const [, kind, raw = ''] = match;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    }
    if (kind === 'DNS' || kind === 'email' || kind === 'URI') values.push(value);
    else if (kind === 'IP Address') values.push(normaliseIp(value));
  }
  return values;
}

function normaliseIp(value: string): string {
  if (!isIPv6(value)) return value;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value;
  }
}

/** Why a TLS connection must be closed under `config`, or undefined if it may stay. */
export function peerProblem(socket: tls.TLSSocket, config: WebTlsConfig): string | undefined {
  const type = config.clientAuthType;
  if (type === 'NoClientCert' || type === 'RequestClientCert') return undefined;
  const peer = socket.getPeerCertificate();
  const raw = peer && (peer as { raw?: unknown }).raw;
  const presented = Buffer.isBuffer(raw);
  if (!presented) {
    return type === 'VerifyClientCertIfGiven' ? undefined : 'no client certificate';
  }
  if ((type === 'VerifyClientCertIfGiven' || type === 'RequireAndVerifyClientCert') && !socket.authorized) {
    return 'client certificate not verified';
  }
  if (config.clientAllowedSans.length > 0) {
    let sans: string[];
    try {
      sans = subjectAltNames(new X509Certificate(raw));
    } catch {
      return 'client certificate unreadable';
    }
    const allowed = config.clientAllowedSans.map((san) => (isIP(san) ? normaliseIp(san) : san));
    if (!sans.some((san) => allowed.includes(san))) return 'client certificate has none of client_allowed_sans';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rate limit: a token bucket like Go's rate.NewLimiter(rate.Every(interval), burst)

class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(readonly burst: number, readonly intervalMs: number) {
    this.tokens = burst;
  }

  allow(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The server

export interface WebLog {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface ExporterServerOptions {
  /** how often requests may trigger a look at the web config file; default 1000 ms */
  recheckIntervalMs?: number;
}

interface Active {
  config: WebConfigFile;
  auth: BasicAuth;
  limiter: TokenBucket | undefined;
}

function summary(config: WebConfigFile): object {
  return {
    web_config: config.path,
    tls: config.tls !== undefined,
    ...(config.tls ? { client_auth_type: config.tls.clientAuthType, min_version: config.tls.minVersion, max_version: config.tls.maxVersion } : {}),
    basic_auth_users: config.basicAuthUsers.size,
    rate_limit: config.rateLimit !== undefined,
  };
}

function sendStatus(res: http.ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

class WebGuard {
  private active: Active;
  /** the files the last load read, and their stamps from then */
  private seen: Seen;
  private lastCheck = performance.now();
  private checking: Promise<void> | undefined;
  private server: http.Server | https.Server | undefined;
  private readonly authState: BasicAuthState;

  private constructor(seen: Seen, active: Active, authState: BasicAuthState, private readonly log: WebLog, private readonly recheckMs: number) {
    this.active = active;
    this.seen = seen;
    this.authState = authState;
  }

  static async create(path: string, log: WebLog, recheckMs: number): Promise<WebGuard> {
    const seen: Seen = { files: [], stamps: [] };
    const config = await readWebConfig(path, seen);
    const authState = new BasicAuthState();
    const active = await WebGuard.activate(config, authState, undefined);
    return new WebGuard(seen, active, authState, log, recheckMs);
  }

  private static async activate(config: WebConfigFile, authState: BasicAuthState, previous: Active | undefined): Promise<Active> {
    const auth = await BasicAuth.create(config.basicAuthUsers, authState);
    const rate = config.rateLimit;
    const kept = previous?.limiter;
    const limiter = rate === undefined ? undefined
      : kept && kept.burst === rate.burst && kept.intervalMs === rate.intervalMs ? kept
        : new TokenBucket(rate.burst, rate.intervalMs);
    return { config, auth, limiter };
  }

  get config(): WebConfigFile {
    return this.active.config;
  }

  attach(server: http.Server | https.Server): void {
    this.server = server;
    if (server instanceof https.Server) {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        const tlsConfig = this.active.config.tls;
        if (tlsConfig && peerProblem(socket, tlsConfig) !== undefined) socket.destroy();
      });
    }
  }

  listener(handler: http.RequestListener): http.RequestListener {
    return (req, res) => {
      this.serve(req, res, handler).catch((error: unknown) => {
        this.log.error({ error_msg: (error as Error).message }, 'request failed in the web config layer');
        if (!res.headersSent) sendStatus(res, 500, 'Internal error.\n');
        else res.destroy();
      });
    };
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, handler: http.RequestListener): Promise<void> {
    await this.recheck();
    const { config, auth, limiter } = this.active;
    // Defence in depth: the connection was checked after its handshake, but under the
    // configuration of that moment.
    if (config.tls && req.socket instanceof tls.TLSSocket && peerProblem(req.socket, config.tls) !== undefined) {
      res.destroy();
      return;
    }
    if (limiter && !limiter.allow()) {
      res.setHeader('Retry-After', '1');
      sendStatus(res, 429, 'Too Many Requests\n');
      return;
    }
    for (const [name, value] of Object.entries(config.headers)) res.setHeader(name, value);
    if (auth.enabled) {
      const result = await auth.verify(req.headers.authorization);
      if (result === 'busy') {
        res.setHeader('Retry-After', '1');
        sendStatus(res, 429, 'Too Many Requests\n');
        return;
      }
      if (result !== 'ok') {
        res.setHeader('WWW-Authenticate', `Basic realm="${AUTH_REALM}"`);
        sendStatus(res, 401, 'Unauthorized\n');
        return;
      }
    }
    handler(req, res);
  }

  /** Looks at the files at most once per interval; requests meanwhile wait for a running look. */
  private async recheck(): Promise<void> {
    if (this.checking) return this.checking;
    const now = performance.now();
    if (now - this.lastCheck < this.recheckMs) return;
    this.lastCheck = now;
    this.checking = this.reloadIfChanged().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    const stamps = await Promise.all(this.seen.files.map(fileStamp));
    if (stamps.every((stamp, i) => stamp === this.seen.stamps[i])) return;
    const path = this.active.config.path;
    // Whatever the outcome, the next look compares against what this load read, so a refused
    // file is reported once, and a file it names that shows up later is noticed.
    const seen: Seen = { files: [], stamps: [] };
    try {
      const config = await readWebConfig(path, seen);
      const active = await WebGuard.activate(config, this.authState, this.active);
      this.apply(active.config);
      this.active = active;
      this.log.info(summary(active.config), 'web config reloaded');
    } catch (error) {
      const problems = error instanceof WebConfigError ? error.problems : [(error as Error).message];
      this.log.error({ web_config: path, problems }, 'web config refused; the last good one stays');
      // Keep watching the files of the configuration still in use too (a certificate rotation).
      for (const [i, file] of this.seen.files.entries()) {
        if (seen.files.includes(file)) continue;
        seen.files.push(file);
        seen.stamps.push(stamps[i] ?? '');
      }
    }
    this.seen = seen;
  }

  /** Puts TLS settings into effect; throws (changing nothing) if that needs a restart. */
  private apply(config: WebConfigFile): void {
    const server = this.server;
    if (!server) return;
    const isHttps = server instanceof https.Server;
    if (isHttps !== (config.tls !== undefined)) {
      throw new Error(`tls_server_config: switching from ${isHttps ? 'HTTPS to HTTP' : 'HTTP to HTTPS'} needs a restart`);
    }
    if (config.tls && server instanceof https.Server) {
      server.setSecureContext(secureContextOptions(config.tls));
      // Read by Node for each new connection.
      Object.assign(server as unknown as { requestCert: boolean; rejectUnauthorized: boolean }, clientCertOptions(config.tls.clientAuthType));
    }
  }
}

function httpServerOptions(): http.ServerOptions {
  return {
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    headersTimeout: SERVER_LIMITS.headersTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingIntervalMs,
  };
}

function harden<S extends http.Server | https.Server>(server: S): S {
  // CONNECT is not for us; without this, Node drops the connection without an answer
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  server.requestTimeout = SERVER_LIMITS.requestTimeoutMs;
  server.headersTimeout = SERVER_LIMITS.headersTimeoutMs;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = SERVER_LIMITS.maxRequestsPerSocket;
  server.timeout = SERVER_LIMITS.socketTimeoutMs;
  return server;
}

/**
 * Creates the exporter's server (not yet listening): plain HTTP when `webConfigPath` is empty,
 * else HTTPS and/or basic auth as the file says. The file is looked at again on requests, at most
 * once per second, and a valid change takes effect without a restart; an invalid one is logged
 * and the last good configuration stays. Throws a WebConfigError if the file is invalid now.
 */
export async function createExporterServer(
  handler: http.RequestListener,
  webConfigPath: string,
  log: WebLog,
  options: ExporterServerOptions = {},
): Promise<http.Server | https.Server> {
  if (webConfigPath === '') return harden(http.createServer(httpServerOptions(), handler));
  const guard = await WebGuard.create(webConfigPath, log, options.recheckIntervalMs ?? 1000);
  const listener = guard.listener(handler);
  const tlsConfig = guard.config.tls;
  const server = tlsConfig
    ? https.createServer({
      ...httpServerOptions(),
      ...secureContextOptions(tlsConfig),
      ...clientCertOptions(tlsConfig.clientAuthType),
      handshakeTimeout: SERVER_LIMITS.tlsHandshakeTimeoutMs,
    }, listener)
    : http.createServer(httpServerOptions(), listener);
  guard.attach(server);
  log.info(summary(guard.config), 'web config loaded');
  return harden(server);
}
