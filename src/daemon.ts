// The serving exporter: the HTTP(S) server in front of an Exporter (TLS and basic auth per the
// web config file), and configuration reloads.
// main.ts adds signals; tests start it directly, on 127.0.0.1, with the real everything.
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/problems.js';
import type { Config, LogLevel } from './config/types.js';
import type { Shard } from './discovery.js';
import { Exporter } from './exporter.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics/exporter-metrics.js';
import { createHandler } from './server/http.js';
import { createExporterServer } from './server/exporter-server.js';
import { checkSessionsExposure } from './server/sessions-exposure.js';

export interface DaemonOptions {
  configPath: string;
  config: Config;
  /** --log-level, which wins over the file's log_level across reloads */
  logLevel: LogLevel | undefined;
  version: string;
  shard: Shard;
  log: Logger;
  metrics: ExporterMetrics;
  /** --web.enable-lifecycle: serve POST /-/reload whatever the file says */
  enableLifecycle?: boolean;
  /** called whenever no poll is in flight */
  whenIdle?: () => void;
}

export interface Daemon {
  exporter: Exporter;
  /** where it listens, e.g. http://127.0.0.1:10110 */
  url: string;
  /** re-reads the configuration file; resolves to its problems, empty when it took effect.
   *  Calls made while a reload runs share one more reload after it. */
  reload(): Promise<string[]>;
  /** stops polling, aborts requests in flight and closes the server */
  stop(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log, metrics, configPath } = options;
  const exporter = new Exporter(options.config, metrics, log, options.shard, options.whenIdle);
  // as the file last loaded says
  let lifecycle = options.config.web.enableLifecycle;
  const reloadOnce = async (): Promise<string[]> => {
    try {
      const config = await loadConfig(configPath);
      await checkSessionsExposure(config);
      lifecycle = config.web.enableLifecycle;
      const restarted = await exporter.reload(config);
      log.level = options.logLevel ?? config.logLevel;
      metrics.configReloads.inc({ result: 'success' });
      metrics.configLastReloadSuccessful.set(1);
      metrics.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
      log.info({ config: configPath, pollers: restarted ? 'restarted' : 'kept (polling unchanged)' }, 'configuration reloaded');
      return [];
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      metrics.configReloads.inc({ result: 'failure' });
      metrics.configLastReloadSuccessful.set(0);
      log.error({ config: configPath, problems }, 'configuration reload refused; the previous configuration stays');
      return problems;
    }
  };
  const reload = coalesced(reloadOnce);

  const { web } = options.config;
  await checkSessionsExposure(options.config);
  const server = await createExporterServer(createHandler({
    telemetryPath: web.telemetryPath,
    exposition: () => exporter.store.current(),
    exporterMetrics: () => metrics.rendered(),
    ready: () => exporter.store.ready,
    operator: { version: options.version, telemetryPath: web.telemetryPath, status: exporter.status, sessions: exporter.sessions },
    reload,
    lifecycleEnabled: () => options.enableLifecycle === true || lifecycle,
  }), web.configFile, log);
  const { host, port } = web.listenAddress;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const scheme = 'setSecureContext' in server ? 'https' : 'http';
  const url = `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ address: web.listenAddress, url, telemetry_path: web.telemetryPath, version: options.version }, 'serving');
  exporter.start().catch((error: unknown) => log.error({ error_msg: (error as Error).message }, 'start failed'));

  return {
    exporter,
    url,
    reload,
    stop: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await exporter.stop();
      await closed;
    },
  };
}

/**
 * One run of `work` at a time. A call while one runs joins the single run queued behind it (the
 * file may have changed since the running one read it), so any number of requests (SIGHUP and
 * POST /-/reload may come together, or by the hundred) cost at most two runs.
 */
export function coalesced<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => (running = work().finally(() => {
    running = undefined;
  }));
  return () => {
    if (!running) return start();
    return (queued ??= running.then(() => undefined, () => undefined).then(() => {
      queued = undefined;
      return start();
    }));
  };
}
