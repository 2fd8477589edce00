#!/usr/bin/env node
// Entry point: parse the command line, load the configuration, then either check it, poll once,
// or serve until told to stop (SIGTERM, SIGINT), reloading on SIGHUP.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { HELP, parseCli, USAGE, type CliOptions } from './cli.js';
import { configWarnings } from './config/warnings.js';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/problems.js';
import type { Config } from './config/types.js';
import { Exporter } from './exporter.js';
import { tuneHeap } from './heap-tuning.js';
import { createLogger, type Logger } from './log.js';
import { ExporterMetrics } from './metrics/exporter-metrics.js';
import { startDaemon, type Daemon } from './daemon.js';
import { checkSessionsExposure } from './server/sessions-exposure.js';
import { loadWebConfig, WebConfigError } from './config/web-config.js';

const EXIT_CONFIG = 2;
const SHUTDOWN_GRACE_MS = 4000;

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** @param whenIdle what the daemon calls whenever no poll is in flight (tuneHeap's) */
async function main(argv: string[], whenIdle: () => void): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return EXIT_CONFIG;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
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
    return invalid(options.config, 'configuration', error);
  }
  if (options.checkConfig) {
    if (config.web.configFile) {
      try {
        await loadWebConfig(config.web.configFile);
      } catch (error) {
        if (!(error instanceof WebConfigError)) throw error;
        return invalid(config.web.configFile, 'web configuration', error);
      }
    }
    try {
      await checkSessionsExposure(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return invalid(options.config, 'configuration', error);
    }
    for (const warning of configWarnings(config)) process.stderr.write(`${options.config}: warning: ${warning}\n`);
    process.stdout.write(`${options.config}: configuration is valid (${config.projects.length} project(s))\n`);
    return 0;
  }
  const level = options.logLevel ?? config.logLevel;
  // With --once, stdout carries the exposition alone.
  const log = createLogger(level, options.once ? pino.destination({ fd: 2, sync: true }) : undefined);
  for (const warning of configWarnings(config)) log.warn({ config: options.config }, warning);
  const metrics = new ExporterMetrics(VERSION);
  return options.once ? pollOnce(new Exporter(config, metrics, log, options.shard), metrics) : serve(config, metrics, log, options, whenIdle);
}

/** Lists a file's problems on stderr, one a line; the exit code for bad configuration. */
function invalid(file: string, what: string, error: ConfigError): number {
  process.stderr.write(`${file}: invalid ${what}:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
  return EXIT_CONFIG;
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

async function serve(config: Config, metrics: ExporterMetrics, log: Logger, options: CliOptions, whenIdle: () => void): Promise<number> {
  let daemon: Daemon;
  try {
    daemon = await startDaemon({
      configPath: options.config, config, logLevel: options.logLevel, version: VERSION, shard: options.shard, log, metrics,
      enableLifecycle: options.enableLifecycle, whenIdle,
    });
  } catch (error) {
    // the exporter's own file refused at start-up (top_sessions unprotected); the web config's problems are logged below
    if (error instanceof ConfigError && !(error instanceof WebConfigError)) return invalid(options.config, 'configuration', error);
    // An invalid web config file is a bad configuration; a taken port is not.
    log.error({ address: config.web.listenAddress, web_config: config.web.configFile, error_msg: (error as Error).message }, 'cannot serve');
    return error instanceof WebConfigError ? EXIT_CONFIG : 1;
  }
  process.on('SIGHUP', () => void daemon.reload());
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => resolve(0), SHUTDOWN_GRACE_MS).unref();
      void daemon.stop().finally(() => {
        clearTimeout(force);
        log.info({ signal }, 'stopped');
        resolve(0);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

const code = await main(process.argv.slice(2), tuneHeap());
process.exitCode = code;
// Whatever handle might linger after shutdown must not keep the process past its exit.
setTimeout(() => process.exit(code), 1000).unref();
