// Benchmark child: the /metrics floor, a minimal node:http server answering fixed bytes (those
// the exporter's handler answered, plain or gzip as asked) with the same headers. Its own
// process, like the prom-client comparison, so the exporter's process holds only the exporter.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, serveParent } from './ipc.js';

let server: http.Server | undefined;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function start(plain: Buffer, gzipped: Buffer, contentType: string): Promise<Record<string, unknown>> {
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

serveParent(async (message) => {
  switch (message.type) {
    case 'start':
      return start(toBuffer(message['plain'] as Uint8Array), toBuffer(message['gzip'] as Uint8Array), String(message['contentType']));
    default:
      throw new Error(`unknown request ${message.type}`);
  }
}, () => closeServer(server));

process.send?.({ type: 'ready' });
