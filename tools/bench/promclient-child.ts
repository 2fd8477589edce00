// Benchmark child: the usual prom-client way of serving the same series, for comparison. Every
// series of the exporter's /metrics answer (fetched from it here) becomes a prom-client Gauge
// value, except the process_* and nodejs_* ones, which come from prom-client's own
// collectDefaultMetrics (collected on each scrape, as in the daemon); every scrape calls
// `registry.metrics()`, and with `Accept-Encoding: gzip` gzips the text (what the `compression`
// middleware does). Its own process, so that the big registry neither counts in the exporter's
// memory nor shares its event loop.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { countSeries, parseExposition } from './exposition.js';
import { closeServer, fetchOnce, serveParent } from './ipc.js';
import { EXPOSITION_CONTENT_TYPE } from '../../src/server/http.js';

const gzipAsync = promisify(gzip);
let server: http.Server | undefined;

async function build(source: string): Promise<Record<string, unknown>> {
  const text = (await fetchOnce(source)).body.toString('utf8');
  const started = performance.now();
  const data = new Registry();
  for (const family of parseExposition(text)) {
    if (family.samples.length === 0 || /^(process|nodejs)_/.test(family.name)) continue;
    const gauge = new Gauge({ name: family.name, help: family.help, labelNames: family.labelNames, registers: [data] });
    for (const { labels, value } of family.samples) {
      gauge.set(labels, value);
    }
  }
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  // As the exporter does: these three fail promtool's lint.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) defaults.removeSingleMetric(name);
  const registry = Registry.merge([data, defaults]);
  const buildMs = performance.now() - started;

  server = http.createServer((req, res) => {
    void (async () => {
      const body = await registry.metrics();
      res.setHeader('Content-Type', EXPOSITION_CONTENT_TYPE);
      res.setHeader('Vary', 'Accept-Encoding');
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        const zipped = await gzipAsync(body);
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Content-Length', zipped.length);
        res.end(zipped);
      } else {
        res.setHeader('Content-Length', Buffer.byteLength(body));
        res.end(body);
      }
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server?.once('error', reject);
    server?.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const rendered = await registry.metrics();
  return { url: `http://127.0.0.1:${port}/metrics`, series: countSeries(rendered), buildMs, bytes: Buffer.byteLength(rendered), rss: process.memoryUsage().rss };
}

serveParent(async (message) => {
  switch (message.type) {
    case 'build':
      return build(String(message['source']));
    default:
      throw new Error(`unknown request ${message.type}`);
  }
}, () => closeServer(server));

process.send?.({ type: 'ready' });
