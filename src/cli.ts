// Command-line parsing: the flags of docs/contract.md and nothing else.
import { parseArgs } from 'node:util';
import type { LogLevel } from './config/types.js';
import type { Shard } from './discovery.js';

export interface CliOptions {
  config: string;
  once: boolean;
  checkConfig: boolean;
  logLevel: LogLevel | undefined;
  version: boolean;
  /** --help, -h: print HELP and exit 0 */
  help: boolean;
  shard: Shard;
  /** --web.enable-lifecycle: POST /-/reload is served whatever web.enable_lifecycle says */
  enableLifecycle: boolean;
}

export const USAGE = 'usage: huaweicloud-db-exporter --config <file> [--once] [--check-config] [--log-level <trace|debug|info|warn|error>]'
  + ' [--web.enable-lifecycle]'
  + ' [--shard <i> --total-shards <n>] [--version] [-h|--help]';
const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export const HELP = `${USAGE}

Polls Huawei Cloud GaussDB and TaurusDB session APIs on schedules and serves Prometheus metrics.

  --config <file>           configuration file (default config/exporter.yaml)
  --check-config            validate the configuration (and web config file), print warnings, exit:
                            0 valid, 2 invalid
  --once                    poll every target once, print the exposition to stdout, exit:
                            0 all targets up, 1 some down, 2 invalid configuration
  --log-level <level>       trace, debug (one line per API request), info, warn or error;
                            overrides log_level of the file
  --web.enable-lifecycle    serve POST /-/reload whatever web.enable_lifecycle says
  --shard <i>               this replica's shard, 0 to n-1 (or SHARD, or POD_NAME's ordinal)
  --total-shards <n>        number of shards (or TOTAL_SHARDS)
  --version                 print the version and exit
  -h, --help                print this help and exit

Signals: SIGHUP reloads the configuration; SIGTERM and SIGINT stop after the polls in flight.
Documentation: README.md and docs/ (configuration.md, metrics.md, runbooks.md).
`;

/** Parses argv (without node and script); throws an Error whose message is meant for the user. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string', default: 'config/exporter.yaml' },
      once: { type: 'boolean', default: false },
      'check-config': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      version: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      shard: { type: 'string' },
      'total-shards': { type: 'string' },
      'web.enable-lifecycle': { type: 'boolean', default: false },
    },
  });
  const level = values['log-level'];
  if (level !== undefined && !LEVELS.includes(level as LogLevel)) {
    throw new Error(`--log-level: "${level}" is not one of ${LEVELS.join(', ')}`);
  }
  return {
    config: values.config,
    once: values.once,
    checkConfig: values['check-config'],
    logLevel: level as LogLevel | undefined,
    version: values.version,
    help: values.help,
    enableLifecycle: values['web.enable-lifecycle'],
    shard: resolveShard(values.shard ?? env.SHARD, values['total-shards'] ?? env.TOTAL_SHARDS, env.POD_NAME),
  };
}

/**
 * This replica's shard, as kube-state-metrics does it: --shard/--total-shards (or SHARD and
 * TOTAL_SHARDS); without a shard index, the ordinal that ends a StatefulSet pod's name
 * (POD_NAME=exporter-2 → shard 2).
 */
export function resolveShard(shard: string | undefined, total: string | undefined, podName: string | undefined): Shard {
  const count = total === undefined || total === '' ? 1 : Number(total);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--total-shards: "${total}" is not a whole number of at least 1`);
  const ordinal = shard === undefined || shard === '' ? /-(\d+)$/.exec(podName ?? '')?.[1] : shard;
  if (ordinal === undefined) {
    if (count > 1) throw new Error('--total-shards needs --shard (or SHARD, or a POD_NAME ending in -<ordinal>)');
    return { index: 0, total: 1 };
  }
  const index = Number(ordinal);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`--shard: "${ordinal}" must be a whole number from 0 to ${count - 1}`);
  return { index, total: count };
}
