// Configuration edge cases: durations longer than a timer holds, secret files that are not small
// regular files (a FIFO with no writer, /dev/urandom, a huge file), refused at once and by name.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';

const dir = mkdtempSync(join(tmpdir(), 'hwcdb-edge-'));
const PROJECT = 'projects:\n  - region: ap-southeast-1\n    project_id: p1\n    endpoints: { iam: "https://iam.example", gaussdb: "https://g.example", taurusdb: "https://t.example" }\n';

function problems(text: string): string[] {
  try {
    parseConfig(text, {}, dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Configuration edge cases', () => {
  it('http.timeout: 600h passes the check no more: longer than a timer holds', () => {
    expect(problems(`http: { timeout: 600h }\n${PROJECT}    auth: { type: token, token: t }\n`))
      .toEqual(['http.timeout: must be at most 2147483647ms (about 24 days), the longest a timer can wait']);
    expect(problems(`http: { timeout: 596h }\n${PROJECT}    auth: { type: token, token: t }\n`)).toEqual([]);
  });

  it('a *_file pointing at a FIFO or /dev/urandom is refused at once, not read', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(problems(`${PROJECT}    auth: { type: token, token_file: fifo }\n`))
      .toEqual([`projects[0].auth.token_file: cannot read "${fifo}": not a regular file (a FIFO, device or socket is refused)`]);
    expect(problems(`${PROJECT}    auth: { type: token, token_file: /dev/urandom }\n`))
      .toEqual(['projects[0].auth.token_file: cannot read "/dev/urandom": not a regular file (a FIFO, device or socket is refused)']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a secret file over 64 KiB is refused; one of 64 KiB is read', () => {
    writeFileSync(join(dir, 'big'), 'x'.repeat(64 * 1024 + 1));
    writeFileSync(join(dir, 'limit'), 'y'.repeat(64 * 1024));
    expect(problems(`${PROJECT}    auth: { type: token, token_file: big }\n`)[0]).toMatch(/^projects\[0\]\.auth\.token_file: cannot read ".*big": too large/);
    expect(problems(`${PROJECT}    auth: { type: token, token_file: limit }\n`)).toEqual([]);
  });

  it('a configuration file that is a FIFO is refused at once', async () => {
    const fifo = join(dir, 'config-fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(loadConfig(fifo, {})).rejects.toThrow('not a regular file');
  });
});
