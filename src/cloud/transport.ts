// The one place that talks HTTP to Huawei Cloud: got with a keep-alive agent per endpoint, a
// per-request timeout, a cap on body size, and a count of every request by API and status code.
// It never throws on an HTTP status (the client decides what a status means); it throws
// TransportError when no usable answer came. Corporate networks: HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY are honoured per endpoint (CONNECT tunnels through hpagent), NODE_EXTRA_CA_CERTS by Node.
import http from 'node:http';
import https from 'node:https';
import got, { type Agents } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';
import { TransportError } from './errors.js';
import type { ExporterMetrics } from '../metrics/exporter-metrics.js';

export interface TransportOptions {
  timeoutMs: number;
  /** answers larger than this are refused rather than buffered */
  maxBodyBytes: number;
  /** sockets per endpoint; the project's concurrency bound */
  maxSockets: number;
  metrics: ExporterMetrics;
}

export interface HttpRequest {
  api: string;
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  requestId: string;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export class HttpTransport {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly options: TransportOptions) {}

  async send(request: HttpRequest): Promise<HttpResponse> {
    const { metrics, maxBodyBytes } = this.options;
    const stopTimer = metrics.apiRequestDuration.startTimer({ api: request.api });
    const pending = got(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      agent: this.agentFor(request.url),
      timeout: { request: this.options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      signal: request.signal,
    });
    let oversized = false;
    // Known once headers arrive (got's own 'response' event waits for the body), so that a body
    // failing after them (reset, too large) can still be traced.
    let requestId = '';
    pending.on('request', (sent: http.ClientRequest) => sent.once('response', (response) => {
      const header = response.headers['x-request-id'];
      if (typeof header === 'string') requestId = header;
    }));
    pending.on('downloadProgress', (progress: { transferred: number; total?: number }) => {
      if (!oversized && (progress.transferred > maxBodyBytes || (progress.total ?? 0) > maxBodyBytes)) {
        oversized = true;
        pending.cancel();
      }
    });
    try {
      const response = await pending;
      metrics.apiRequests.inc({ api: request.api, code: String(response.statusCode) });
      const header = response.headers['x-request-id'];
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        requestId: typeof header === 'string' ? header : '',
      };
    } catch (error) {
      metrics.apiRequests.inc({ api: request.api, code: 'error' });
      if (oversized) throw new TransportError(request.api, 'ERR_BODY_TOO_LARGE', `answer larger than ${maxBodyBytes} bytes refused`, requestId);
      if (request.signal?.aborted) throw new TransportError(request.api, 'ERR_ABORTED', 'poll deadline passed or exporter stopping', requestId);
      const code = (error as { code?: unknown }).code;
      throw new TransportError(request.api, typeof code === 'string' ? code : 'ERR_NETWORK', (error as Error).message, requestId);
    } finally {
      stopTimer();
    }
  }

  /** Closes idle keep-alive sockets (shutdown, reload). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: URL): Agents {
    const secure = url.protocol === 'https:';
    let agent = this.agents.get(url.origin);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: this.options.maxSockets, scheduling: 'lifo' as const };
      const proxy = getProxyForUrl(url.href);
      if (proxy) agent = secure ? new HttpsProxyAgent({ ...options, proxy }) : new HttpProxyAgent({ ...options, proxy });
      else agent = secure ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(url.origin, agent);
    }
    return secure ? { https: agent as https.Agent } : { http: agent };
  }
}
