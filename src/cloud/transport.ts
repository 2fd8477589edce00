// The one place that talks HTTP to Huawei Cloud: node:http with a keep-alive agent per endpoint,
// a per-request timeout, a cap on body size, and a count of every request by API and status code.
// It never throws on an HTTP status (the client decides what a status means); it throws
// TransportError when no usable answer came. Corporate networks: HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY are honoured per endpoint (CONNECT tunnels through hpagent), NODE_EXTRA_CA_CERTS by Node.
//
// node:http rather than got: at fleet scale the HTTP client dominates the exporter's CPU, and with
// got's wrapping (its own streams, hooks, option merging) a poll cycle cost 2.9 times a bare
// node:http client's CPU; on node:http it is 1.7 times before the other savings (BENCHMARKS.md).
// What got offered beyond that, retries and pagination, the client does its own way anyway.
import http from 'node:http';
import https from 'node:https';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';
import { TransportError } from './errors.js';
import type { Logger } from '../log.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';

export interface TransportOptions {
  timeoutMs: number;
  /** answers larger than this are refused rather than buffered */
  maxBodyBytes: number;
  /** sockets per endpoint; the project's concurrency bound */
  maxSockets: number;
  metrics: ExporterMetrics;
  /** at debug level, one line per request (never its headers or body) */
  log?: Logger;
}

export interface HttpRequest {
  api: string;
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** 0 for the first attempt, n for the n-th retry: for the debug log */
  retry?: number;
}

const RELEASED = Buffer.alloc(0);

/** An answer as received. */
export class HttpResponse {
  constructor(readonly status: number, readonly headers: http.IncomingHttpHeaders, private answer: Buffer,
    readonly requestId: string) {}

  /** the answer's bytes, until released */
  get bytes(): Buffer {
    return this.answer;
  }

  /** `bytes` decoded as UTF-8 (decoded when read: a reader of the bytes never pays for the text) */
  get body(): string {
    return this.answer.toString('utf8');
  }

  /**
   * Lets go of the bytes once they are read. The promises and frames that carry an answer up the
   * request path were made when its request was sent, and by the time it comes back young
   * collections have often moved them to the old generation, where, dead or not, they keep what
   * they point to until the next full collection: at fleet scale every answer's bytes, external
   * memory that V8 counts towards that collection's trigger (BENCHMARKS.md).
   */
  release(): void {
    this.answer = RELEASED;
  }
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export class HttpTransport {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly options: TransportOptions) {}

  send(request: HttpRequest): Promise<HttpResponse> {
    const { metrics, log } = this.options;
    const stopTimer = metrics.apiRequestDuration.startTimer({ api: request.api });
    const debug = log?.isLevelEnabled('debug') ? log : undefined;
    const started = debug ? performance.now() : 0;
    // A promise chain rather than an async frame: this runs for every request of a poll.
    return this.exchange(request).then((response) => {
      stopTimer();
      metrics.apiRequests.inc({ api: request.api, code: String(response.status) });
      debug?.debug({ ...requestFields(request, started), status: response.status, request_id: response.requestId }, 'api request');
      return response;
    }, (error: unknown) => {
      stopTimer();
      metrics.apiRequests.inc({ api: request.api, code: 'error' });
      if (debug) {
        const { code, requestId } = error instanceof TransportError ? error : { code: 'error', requestId: '' };
        debug.debug({ ...requestFields(request, started), code, request_id: requestId }, 'api request');
      }
      throw error;
    });
  }

  /** Closes idle keep-alive sockets (shutdown, reload). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  /** One request and its whole answer; every way it can end settles the promise exactly once. */
  private exchange({ api, method, url, headers, body, signal }: HttpRequest): Promise<HttpResponse> {
    const { maxBodyBytes, timeoutMs } = this.options;
    return new Promise<HttpResponse>((resolve, reject) => {
      let requestId = '';
      let settled = false;
      const fail = (code: string, message: string): void => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        reject(new TransportError(api, code, message, requestId));
      };
      const onAbort = (): void => fail('ERR_ABORTED', 'poll deadline passed or exporter stopping');
      const timer = setTimeout(() => fail('ETIMEDOUT', `no complete answer within ${timeoutMs} ms`), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };

      // node copies the headers it is given: only a body needs an object of its own.
      const requestHeaders: Record<string, string | number> = body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) };
      const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers: requestHeaders, agent: this.agentFor(url) });
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ERR_NETWORK', error.message));
      req.on('response', (res) => {
        const header = res.headers['x-request-id'];
        if (typeof header === 'string') requestId = header;
        if (Number(res.headers['content-length'] ?? 0) > maxBodyBytes) {
          fail('ERR_BODY_TOO_LARGE', `answer larger than ${maxBodyBytes} bytes refused`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) fail('ERR_BODY_TOO_LARGE', `answer larger than ${maxBodyBytes} bytes refused`);
          else chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ERR_NETWORK', error.message));
        res.on('aborted', () => fail('ECONNRESET', 'connection closed before the answer was complete'));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          // The request that holds these listeners may be old already (see HttpResponse.release).
          chunks.length = 0;
          resolve(new HttpResponse(res.statusCode ?? 0, res.headers, bytes, requestId));
        });
      });
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  private agentFor(url: URL): http.Agent {
    let agent = this.agents.get(url.origin);
    if (!agent) {
      const secure = url.protocol === 'https:';
      const options = { keepAlive: true, maxSockets: this.options.maxSockets, scheduling: 'lifo' as const };
      const proxy = getProxyForUrl(url.href);
      if (proxy) agent = secure ? new HttpsProxyAgent({ ...options, proxy }) : new HttpProxyAgent({ ...options, proxy });
      else agent = secure ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(url.origin, agent);
    }
    return agent;
  }
}

/** The debug line's fields of a request sent at `started` (built only at debug level: at fleet
 *  scale every request would pay for them). */
function requestFields(request: HttpRequest, started: number): Record<string, unknown> {
  return {
    api: request.api, method: request.method, path: loggablePath(request.url), retry: request.retry ?? 0,
    duration_ms: Math.round(performance.now() - started),
  };
}

/** Query parameters whose values are never logged (none of the APIs used sends one today). */
const SECRET_PARAM = /token|secret|signature|password|credential|key/i;

/** The request's path and query for a log line, with the value of any secret-looking parameter hidden. */
export function loggablePath(url: URL): string {
  const query = [...url.searchParams].map(([name, value]) => `${name}=${SECRET_PARAM.test(name) ? '[redacted]' : value}`);
  return query.length > 0 ? `${url.pathname}?${query.join('&')}` : url.pathname;
}
