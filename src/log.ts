// pino JSON logs. Secrets are redacted by key wherever they appear in a logged object; code
// never logs request headers or bodies in the first place, so this is the second line of defence.
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

const SECRET_KEYS = ['password', 'secret_key', 'secretKey', 'token', 'authorization', 'Authorization', 'x-auth-token', 'X-Auth-Token', 'X-Subject-Token', 'x-subject-token'];

export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]);

export type { Logger };

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { app: 'huaweicloud-db-exporter' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  }, destination ?? pino.destination({ fd: 1, sync: false }));
}
