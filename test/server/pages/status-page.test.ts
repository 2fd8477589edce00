import { describe, expect, it } from '@jest/globals';
import { CloudApiError } from '../../../src/cloud/errors.js';
import { Poll } from '../../../src/metrics/snapshot.js';
import { statusPage } from '../../../src/server/pages/status-page.js';
import { StatusBoard } from '../../../src/status/target-status.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

async function board(): Promise<{ board: StatusBoard; poll: Poll }> {
  const status = new StatusBoard();
  status.scheduled('session_overview', '*/30 * * * * *', () => new Date(Date.UTC(2030, 0, 1, 0, 0, 30)));
  const poll = new Poll('session_overview');
  const targets: Array<[string, string, Error | undefined]> = [
    ['a-ok', 'alpha', undefined],
    ['z-bad', HOSTILE, new CloudApiError({ api: 'gaussdb_session_overview', status: 403, errorCode: 'DBS.280001',
      errorMsg: 'no permission for "</td><script>x()</script>"', requestId: 'req-42' })],
    ['m-ok', 'mike', undefined],
  ];
  for (const [id, name, error] of targets) {
    poll.described.set(id, { name, projectId: 'proj', region: 'ap-southeast-1', instanceId: id });
    await poll.run(id, async () => {
      if (error) throw error;
    });
  }
  status.record(poll, 1500);
  return { board: status, poll };
}

describe('status page', () => {
  it('lists the failing target first with its error, every value escaped', async () => {
    const { board: status, poll } = await board();
    const page = statusPage(status, { version: '1.2.3', telemetryPath: '/metrics', now: poll.startedAt + 90_000 });
    expect(page).toContain('1 of 3 targets are down.');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('no permission for &quot;&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;&quot;');
    const rows = [...page.matchAll(/<tr class="(up|down)">/g)].map((m) => m[1]);
    expect(rows).toEqual(['down', 'up', 'up']);
    const down = page.slice(page.indexOf('<tr class="down">'), page.indexOf('<tr class="up">'));
    for (const cell of ['DOWN', 'z-bad', 'proj', 'ap-southeast-1', 'gaussdb_session_overview', '<td class="num">403</td>', 'DBS.280001', 'req-42', 'never']) {
      expect(down).toContain(cell);
    }
    expect(page.indexOf('alpha')).toBeLessThan(page.indexOf('mike'));
    expect(page).toContain('<td class="num">1.500 s</td>');
    expect(page).toContain('2030-01-01 00:00:30 UTC');
    expect(page).toContain('<td>1 min 30 s ago</td>');
  });
});
