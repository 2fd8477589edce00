#!/usr/bin/env node
// Entry point: parse the command line, load the configuration, then either check it, poll once,
// or serve until told to stop. Everything else is built by Exporter and the HTTP handler.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import pino from 'pino';
import { parseCli, splitListenAddress, USAGE, type CliOptions } from './cli.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/types.js';
import { Exporter } from './exporter.js';
import { createLogger, type Logger } from './log.js';
import { ExporterMetrics } from './metrics/exporter-metrics.js';
import { createHandler } from './server/http.js';

const EXIT_CONFIG = 2;
const SHUTDOWN_GRACE_MS = 4000;

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return EXIT_CONFIG;
  }
  if (options.version) {
    process.stdout.write(`huaweicloud-db-exporter ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  let config: Config;
  try {
    config = await loadConfig(options.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.config}: invalid configuration:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return EXIT_CONFIG;
  }
  if (options.checkConfig) {
    process.stdout.write(`${options.config}: configuration is valid (${config.projects.length} project(s))\n`);
    return 0;
  }
  const level = options.logLevel ?? config.logLevel;
  // With --once, stdout carries the exposition alone.
  const log = createLogger(level, options.once ? pino.destination({ fd: 2, sync: true }) : undefined);
  const metrics = new ExporterMetrics(VERSION);
  const exporter = new Exporter(config, metrics, log);
  return options.once ? pollOnce(exporter, metrics) : serve(exporter, metrics, log, options);
}

async function pollOnce(exporter: Exporter, metrics: ExporterMetrics): Promise<number> {
  await exporter.pollOnce();
  process.stdout.write(exporter.store.current().text + (await metrics.render()));
  const allUp = exporter.store.collectorNames.every((name) => {
    const { targets, up } = exporter.store.targetStats(name);
    return targets === up;
  });
  return allUp ? 0 : 1;
}

async function serve(exporter: Exporter, metrics: ExporterMetrics, log: Logger, options: CliOptions): Promise<number> {
  const reload = async (): Promise<string[]> => {
    try {
      const config = await loadConfig(options.config);
      await exporter.reload(config);
      log.level = options.logLevel ?? config.logLevel;
      metrics.configReloads.inc({ result: 'success' });
      metrics.configLastReloadSuccessful.set(1);
      metrics.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
      log.info({ config: options.config }, 'configuration reloaded');
      return [];
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      metrics.configReloads.inc({ result: 'failure' });
      metrics.configLastReloadSuccessful.set(0);
      log.error({ config: options.config, problems }, 'configuration reload refused; the previous configuration stays');
      return problems;
    }
  };
  const { web } = exporter.currentConfig;
  const server = http.createServer(createHandler({
    telemetryPath: web.telemetryPath,
    exposition: () => exporter.store.current(),
    exporterMetrics: () => metrics.render(),
    ready: () => exporter.store.ready,
    landing: () => ({
      version: VERSION,
      collectors: exporter.store.collectorNames.map((name) => ({ name, ...exporter.store.targetStats(name) })),
    }),
    reload,
  }));
  const { host, port } = splitListenAddress(web.listenAddress);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    log.error({ address: web.listenAddress, error_msg: (error as Error).message }, 'cannot listen');
    return 1;
  }
  log.info({ address: web.listenAddress, telemetry_path: web.telemetryPath, version: VERSION }, 'serving');
  exporter.start();

  process.on('SIGHUP', () => void reload());
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => resolve(0), SHUTDOWN_GRACE_MS).unref();
      server.close();
      server.closeAllConnections();
      void exporter.stop().finally(() => {
        clearTimeout(force);
        resolve(0);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever handle might linger after shutdown must not keep the process past its exit.
setTimeout(() => process.exit(code), 1000).unref();
