#!/usr/bin/env node
// Health probe for the container's HEALTHCHECK and the chart's exec probes: asks the exporter in
// the same network namespace for /-/healthy (or --path) the way its web config demands: plain
// HTTP, or TLS (with a client certificate when one is given), with basic auth when a user is
// given. Kubernetes' httpGet probes can neither present a client certificate nor keep a password
// out of the pod spec, hence a probe that runs inside the container and reads files instead.
//
//   node dist/probe.js [--config <file>] [--path /-/ready] [--timeout-ms 4000]
//                      [--basic-auth-user <u> --basic-auth-password-file <file>]
//                      [--client-cert-file <file> --client-key-file <file>]
//
// Exit 0 on HTTP 200, 1 otherwise (the reason on stderr, which Docker keeps in the health log).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { parseListenAddress } from './config/schema.js';
import { loadWebConfig } from './config/web-config.js';

const DEFAULT_CONFIG = '/etc/huaweicloud-db-exporter/config.yaml';
const DEFAULT_LISTEN = '0.0.0.0:10110';

interface Request {
  url: URL;
  options: https.RequestOptions;
}

/** Reads the config file's `web` section alone: the probe needs no credentials. */
function webSection(configPath: string): { listenAddress: string; configFile: string } {
  const document: unknown = parse(readFileSync(configPath, 'utf8'));
  const web: unknown = typeof document === 'object' && document !== null ? (document as Record<string, unknown>).web : undefined;
  const field = (name: string): unknown => (typeof web === 'object' && web !== null ? (web as Record<string, unknown>)[name] : undefined);
  const listen = field('listen_address');
  const file = field('config_file');
  return {
    listenAddress: typeof listen === 'string' ? listen : DEFAULT_LISTEN,
    configFile: typeof file === 'string' && file !== '' ? resolve(dirname(configPath), file) : '',
  };
}

async function buildRequest(argv: string[]): Promise<Request> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      path: { type: 'string', default: '/-/healthy' },
      'timeout-ms': { type: 'string', default: '4000' },
      'basic-auth-user': { type: 'string' },
      'basic-auth-password-file': { type: 'string' },
      'client-cert-file': { type: 'string' },
      'client-key-file': { type: 'string' },
    },
  });
  const web = webSection(values.config);
  const address = parseListenAddress(web.listenAddress);
  if (!address) throw new Error(`web.listen_address ${JSON.stringify(web.listenAddress)} is not host:port`);
  // A wildcard address is reached on loopback, as the exporter listens there too.
  const host = address.host === '' || address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  const webConfig = web.configFile ? await loadWebConfig(web.configFile) : undefined;
  const tls = webConfig?.tls;
  const url = new URL(`${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}${values.path}`);
  const timeout = Number(values['timeout-ms']);
  if (!Number.isInteger(timeout) || timeout < 1) throw new Error('--timeout-ms must be a positive whole number');
  const headers: Record<string, string> = {};
  const user = values['basic-auth-user'];
  if (user !== undefined) {
    const passwordFile = values['basic-auth-password-file'];
    if (passwordFile === undefined) throw new Error('--basic-auth-user needs --basic-auth-password-file');
    const password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  } else if (webConfig && webConfig.basicAuthUsers.size > 0) {
    throw new Error(`${webConfig.path} turns on basic auth: pass --basic-auth-user and --basic-auth-password-file`);
  }
  const options: https.RequestOptions = { method: 'GET', headers, timeout };
  if (tls) {
    // The server is this container's own, reached on loopback: its identity is not in question
    // (and its certificate names the Service, not 127.0.0.1); the probe asks only whether it answers.
    options.rejectUnauthorized = false;
    const certFile = values['client-cert-file'];
    const keyFile = values['client-key-file'];
    if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('--client-cert-file and --client-key-file go together');
    if (certFile !== undefined && keyFile !== undefined) {
      options.cert = readFileSync(certFile);
      options.key = readFileSync(keyFile);
    }
  }
  return { url, options };
}

function get({ url, options }: Request): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      response.resume();
      response.on('end', () => resolvePromise(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${String(options.timeout)} ms`)));
    request.on('error', reject);
    request.end();
  });
}

async function main(): Promise<number> {
  const request = await buildRequest(process.argv.slice(2));
  const status = await get(request);
  if (status === 200) return 0;
  process.stderr.write(`${request.url.href}: HTTP ${status}\n`);
  return 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`probe: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
