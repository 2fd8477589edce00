// `npm run demo` as a user runs it (the built simulator + exporter, fixed ports), judged by
// promtool: every family of the contract served within 10 s, and `promtool check metrics` finds nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CONTRACT_FAMILIES } from '../support/contract.js';
import { runTool, requireTool } from './tools.js';


let demo: ChildProcess;
let exposition = '';
let secondsToAllFamilies = Infinity;

async function scrape(): Promise<string> {
  try {
    const response = await fetch('http://127.0.0.1:10110/metrics');
    return response.status === 200 ? await response.text() : '';
  } catch {
    return '';
  }
}

beforeAll(async () => {
  requireTool('promtool');
  const started = Date.now();
  demo = spawn(process.execPath, [join(process.cwd(), 'dist', 'demo.js')], { stdio: 'ignore' });
  while (Date.now() - started < 20_000) {
    exposition = await scrape();
    if (CONTRACT_FAMILIES.every((family) => exposition.includes(`\n${family}{`))) {
      secondsToAllFamilies = (Date.now() - started) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  if (demo.exitCode !== null || demo.signalCode !== null) return;
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  demo.kill('SIGTERM');
  await exited;
});

describe('the demo', () => {
  it('serves every metric family of the contract within 10 seconds of start', () => {
    const missing = CONTRACT_FAMILIES.filter((family) => !exposition.includes(`\n${family}{`));
    expect(missing).toEqual([]);
    expect(secondsToAllFamilies).toBeLessThan(10);
  });

  it('passes promtool check metrics with no finding', () => {
    const result = runTool('promtool', ['check', 'metrics'], { input: exposition });
    expect({ status: result.status, findings: result.stdout + result.stderr }).toEqual({ status: 0, findings: '' });
  });
});
