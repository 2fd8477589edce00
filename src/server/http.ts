// The exporter's HTTP face: the exposition, the operator's pages (status, sessions and their JSON
// twins), health and readiness, and reload.
// The data parts of /metrics are rendered (and gzipped) once per completed poll by the snapshot
// store; only the exporter's own small registry is rendered per scrape.
import http from 'node:http';
import type { Exposition, Rendered } from '../metrics/snapshot.js';
import { operatorRoutes, type OperatorViews } from './pages/routes.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ServerHandlers {
  telemetryPath: string;
  exposition: () => Exposition;
  /** the exporter's own metrics, rendered (and gzipped) at most as often as they are worth it */
  exporterMetrics: () => Promise<Rendered>;
  ready: () => boolean;
  /** the status and sessions pages, and their JSON twins */
  operator: OperatorViews;
  /** re-reads the configuration; resolves to problems (empty when it took effect) */
  reload: () => Promise<string[]>;
  /** whether POST /-/reload is served (web.enable_lifecycle or --web.enable-lifecycle) */
  lifecycleEnabled: () => boolean;
}

type Route = { methods: readonly string[]; handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void };

export function createHandler(handlers: ServerHandlers): http.RequestListener {
  const routes = new Map<string, Route>([
    [handlers.telemetryPath, { methods: ['GET', 'HEAD'], handle: (req, res) => serveMetrics(handlers, req, res) }],
    ['/-/healthy', { methods: ['GET', 'HEAD'], handle: (_req, res) => send(res, 200, 'text/plain', 'Healthy.\n') }],
    ['/-/ready', {
      methods: ['GET', 'HEAD'],
      handle: (_req, res) => (handlers.ready()
        ? send(res, 200, 'text/plain', 'Ready.\n')
        : send(res, 503, 'text/plain', 'Not ready: waiting for the first poll of every collector.\n')),
    }],
    ['/-/reload', {
      methods: ['POST', 'PUT'],
      handle: async (req, res) => {
        if (!handlers.lifecycleEnabled()) return send(res, 403, 'text/plain', 'Lifecycle API is not enabled (web.enable_lifecycle).\n');
        // A browser on another site may send a form POST here: it is never a reload request.
        if (crossSite(req)) return send(res, 403, 'text/plain', 'Cross-site requests are refused.\n');
        const problems = await handlers.reload();
        if (problems.length === 0) send(res, 200, 'text/plain', 'Configuration reloaded.\n');
        else send(res, 400, 'text/plain', `Configuration refused, the previous one stays:\n${problems.join('\n')}\n`);
      },
    }],
    ...operatorRoutes(handlers.operator).map(([path, page]): [string, Route] => [path, {
      methods: ['GET', 'HEAD'],
      handle: (req, res) => {
        const { contentType, headers, body } = page(new URL(req.url ?? '/', 'http://localhost').searchParams);
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        send(res, 200, contentType, body); // node sends no body in answer to HEAD
      },
    }]),
  ]);
  return (req, res) => {
    const path = requestPath(req.url ?? '/');
    if (path === undefined) return send(res, 400, 'text/plain', 'Bad request target.\n');
    const route = routes.get(path);
    if (!route) return send(res, 404, 'text/plain', 'Not found.\n');
    if (!route.methods.includes(req.method ?? '')) {
      res.setHeader('Allow', route.methods.join(', '));
      return send(res, 405, 'text/plain', 'Method not allowed.\n');
    }
    Promise.resolve(route.handle(req, res)).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal error.\n');
      else res.destroy();
    });
  };
}

async function serveMetrics(handlers: ServerHandlers, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const parts = [...handlers.exposition().parts, await handlers.exporterMetrics()];
  res.setHeader('Vary', 'Accept-Encoding');
  // The data parts are written as the bytes cached at commit, never copied. Gzip members may be
  // concatenated (RFC 1952): the cached member of each part, then the exporter's own small one.
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  const chunks = parts.map((part) => (gzip ? part.gzip() : part.body));
  res.statusCode = 200;
  res.setHeader('Content-Type', EXPOSITION_CONTENT_TYPE);
  res.setHeader('Content-Length', chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/**
 * The path of a request target: origin form (`/metrics?x`), or absolute form
 * (`http://host/metrics`), which RFC 9112 says a server must accept; undefined for any other.
 */
export function requestPath(target: string): string | undefined {
  if (target.startsWith('/')) return target.split('?', 1)[0];
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

/** A request a browser marks as coming from another site (Sec-Fetch-Site, or an Origin not this host). */
function crossSite(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(header);
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
