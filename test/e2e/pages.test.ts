// The status page and the sessions page as a browser shows them: the real daemon against the
// simulator, one target failing (an instance the fleet does not have) and a session whose user
// name is markup, opened in headless Chromium. Content is asserted on the DOM Chromium built
// (--dump-dom), and each page is saved as a screenshot under .test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '../../src/simulator/fleet.js';
import { collectors, RARELY, tick } from '../integration/faults-support.js';
import { demoInstances, startStack, type Stack } from '../support/stack.js';
import { requireTool } from './tools.js';

const HOSTILE_USER = '<img src=x onerror=alert(1)>';
const MISSING = { id: '0d2cc3b6a31c4e6fa4a0c8f36bd0b0a1in14', name: 'legacy-gauss' };
const SCREENSHOTS = join(process.cwd(), '.test-results', 'screenshots');
let chromium: string;
let stack: Stack;

/** Runs headless Chromium on a URL with a fresh profile, without blocking this process (which serves the page). */
function browse(url: string, mode: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'hwcdb-chromium-'));
  const child = spawn(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1600,1000', ...mode, url,
  ], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => child.once('close', (status) => {
    rmSync(profile, { recursive: true, force: true });
    if (status === 0) resolve(stdout);
    else reject(new Error(`chromium exited ${status}: ${stderr.slice(-2000)}`));
  }));
}

/** The DOM as Chromium built it from the page. */
const dom = (path: string): Promise<string> => browse(`${stack.daemon.url}${path}`, ['--dump-dom']);

async function screenshot(path: string, file: string): Promise<number> {
  const target = join(SCREENSHOTS, file);
  await browse(`${stack.daemon.url}${path}`, [`--screenshot=${target}`, '--hide-scrollbars']);
  return statSync(target).size;
}

beforeAll(async () => {
  chromium = requireTool('chromium');
  mkdirSync(SCREENSHOTS, { recursive: true });
  const sections = collectors(RARELY) as Record<string, Record<string, unknown>>;
  sections.htap_processes = { ...sections.htap_processes, top_sessions: 5 };
  stack = await startStack({
    name: 'e2e-pages',
    overrides: { collectors: sections },
    instances: (sim) => {
      const fleet = demoInstances(sim);
      return { ...fleet, gaussdb: [...fleet.gaussdb, MISSING] };
    },
  });
  await stack.ready();
  const small = stack.sim.fleet.htap(stack.sim.fleet.demo?.smallHtapId ?? '');
  if (!small) throw new Error('the demo fleet has a small StarRocks instance');
  const hostile: Session = {
    id: '4242', user: HOSTILE_USER, host: '10.0.9.9:40000', state: 'OK', database: 'orders', command: 'Query', duration: 86_400,
    sql: "SELECT * FROM orders WHERE note = '</pre><script>alert(2)</script>'",
  };
  small.setSessions([hostile, ...small.sessions.slice(0, 20)]);
  await tick(stack, 'htap_processes');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the pages in Chromium', () => {
  it('the status page lists the failing target first, with its name and error code', async () => {
    const page = await dom('/');
    const rows = [...page.matchAll(/<tr class="(up|down)">([\s\S]*?)<\/tr>/g)];
    expect(rows.filter(([, state]) => state === 'down')).toHaveLength(1);
    const [first] = rows;
    expect(first?.[1]).toBe('down');
    for (const text of ['DOWN', MISSING.name, MISSING.id, 'gaussdb_session_overview', '<td class="num">400</td>', 'DBS.200022', 'Instance not found.', 'never']) {
      expect(first?.[2]).toContain(text);
    }
    const gauss = stack.sim.fleet.projects[0]?.gaussdb ?? [];
    expect(page).toContain(`1 of ${gauss.length + 1 + 3 + 3} targets are down.`);
    expect(await screenshot('/', 'status-page.png')).toBeGreaterThan(10_000);
  }, 120_000);

  it('the sessions page shows a hostile user name and SQL text as text, never as markup', async () => {
    const page = await dom(`/sessions?htap_instance_id=${stack.sim.fleet.demo?.smallHtapId}`);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page).not.toMatch(/<img|<script/i);
    const [longest] = [...page.matchAll(/<tr><td class="id">([^<]*)<\/td><td>([^<]*)<\/td>/g)];
    expect(longest?.slice(1)).toEqual(['4242', '&lt;img src=x onerror=alert(1)&gt;']);
    expect(page).toContain('<td class="num">1 d 0 h</td>');
    expect(await screenshot('/sessions', 'sessions-page.png')).toBeGreaterThan(10_000);
  }, 120_000);
});
