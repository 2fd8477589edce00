// Command-line parsing: the SPEC's flags and nothing else.
import { parseArgs } from 'node:util';
import type { LogLevel } from './config/types.js';

export interface CliOptions {
  config: string;
  once: boolean;
  checkConfig: boolean;
  logLevel: LogLevel | undefined;
  version: boolean;
}

export const USAGE = 'usage: huaweicloud-db-exporter --config <file> [--once] [--check-config] [--log-level <trace|debug|info|warn|error>] [--version]';
const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** Parses argv (without node and script); throws an Error whose message is meant for the user. */
export function parseCli(argv: string[]): CliOptions {
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
  };
}
