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

export interface DaemonOptions {
  configPath: string;
  config: Config;
  /** --log-level, which wins over the file's log_level across reloads */
  logLevel: LogLevel | undefined;
  version: string;
  shard: Shard;
  log: Logger;
  metrics: ExporterMetrics;
}

export interface Daemon {
  exporter: Exporter;
  /** where it listens, e.g. http://127.0.0.1:10110 */
  url: string;
  /** re-reads the configuration file; resolves to its problems, empty when it took effect */
  reload(): Promise<string[]>;
  /** stops polling, aborts requests in flight and closes the server */
  stop(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log, metrics, configPath } = options;
  const exporter = new Exporter(options.config, metrics, log, options.shard);
  let reloading = Promise.resolve<string[]>([]);
  const reloadOnce = async (): Promise<string[]> => {
    try {
      const config = await loadConfig(configPath);
      await exporter.reload(config);
      log.level = options.logLevel ?? config.logLevel;
      metrics.configReloads.inc({ result: 'success' });
      metrics.configLastReloadSuccessful.set(1);
      metrics.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
      log.info({ config: configPath }, 'configuration reloaded');
      return [];
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      metrics.configReloads.inc({ result: 'failure' });
      metrics.configLastReloadSuccessful.set(0);
      log.error({ config: configPath, problems }, 'configuration reload refused; the previous configuration stays');
      return problems;
    }
  };
  // Reloads (SIGHUP and POST /-/reload may come together) run one after the other.
  const reload = (): Promise<string[]> => (reloading = reloading.then(reloadOnce));

  const { web } = options.config;
  const server = await createExporterServer(createHandler({
    telemetryPath: web.telemetryPath,
    exposition: () => exporter.store.current(),
    exporterMetrics: () => metrics.rendered(),
    ready: () => exporter.store.ready,
    landing: () => ({
      version: options.version,
      collectors: exporter.store.collectorNames.map((name) => ({ name, ...exporter.store.targetStats(name) })),
    }),
    operator: { status: exporter.status },
    reload,
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
  log.info({ address: url, telemetry_path: web.telemetryPath, version: options.version }, 'serving');
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
