// Captures the JSON log lines a test's exporter writes, so tests can assert what was logged and
// that no secret ever was. Every captured line is also appended to .test-results/logs/, which the
// log-scan test reads after the suites that write logs.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export const LOG_DIR = join(process.cwd(), '.test-results', 'logs');

export interface CapturedLogs {
  logger: Logger;
  lines: () => string[];
  records: () => Array<Record<string, unknown>>;
}

export function captureLogs(name: string): CapturedLogs {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = join(LOG_DIR, `${name}.log`);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      appendFileSync(file, text);
      for (const line of text.split('\n')) if (line) lines.push(line);
      done();
    },
  });
  const logger = createLogger('debug', sink);
  return {
    logger,
    lines: () => lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Lines that contain any of the given secrets (empty strings ignored). */
export function linesWithSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  const real = secrets.filter((s) => s.length > 0);
  return lines.filter((line) => real.some((secret) => line.includes(secret)));
}
