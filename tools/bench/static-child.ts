// Benchmark child: the /metrics floor, a minimal node:http server answering fixed bytes (those
// the exporter's handler answered, plain or gzip as asked, fetched from it here) with the same
// headers. Its own process, like the prom-client comparison, so the exporter's process holds
// only the exporter.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { countSeries } from './exposition.js';
import { closeServer, fetchOnce, serveParent } from './ipc.js';

let server: http.Server | undefined;

/** Serves what `source` answers, plain and gzip; both must hold the same series. */
async function start(source: string, contentType: string): Promise<Record<string, unknown>> {
  const plain = (await fetchOnce(source)).body;
  const gzipAnswer = await fetchOnce(source, { 'Accept-Encoding': 'gzip' });
  if (gzipAnswer.headers['content-encoding'] !== 'gzip') throw new Error('/metrics did not answer gzip');
  const gzipped = gzipAnswer.body;
  const series = countSeries(plain.toString('utf8'));
  if (countSeries(gunzipSync(gzipped).toString('utf8')) !== series) throw new Error('gzip and plain expositions differ in series');
  server = http.createServer((req, res) => {
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const body = gzip ? gzipped : plain;
    res.writeHead(200, {
      'Content-Type': contentType,
      Vary: 'Accept-Encoding',
      'Content-Length': body.length,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server?.once('error', reject);
    server?.listen(0, '127.0.0.1', () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, series, plainBytes: plain.length, gzipBytes: gzipped.length };
}

serveParent(async (message) => {
  switch (message.type) {
    case 'start':
      return start(String(message['source']), String(message['contentType']));
    default:
      throw new Error(`unknown request ${message.type}`);
  }
}, () => closeServer(server));

process.send?.({ type: 'ready' });
