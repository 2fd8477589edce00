// Runs jest for one suite and prints the plain "N passed, N failed" line CI counts.
//   node test/run.mjs unit   every test that needs nothing but Node
//   node test/run.mjs e2e    tests that drive promtool, Prometheus and helm (test/e2e)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const suite = process.argv[2] ?? 'unit';
if (suite !== 'unit' && suite !== 'e2e') {
  console.error(`unknown suite "${suite}": use unit or e2e`);
  process.exit(2);
}
const outDir = join(process.cwd(), '.test-results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `${suite}.json`);
rmSync(outFile, { force: true });
// Every log line the suites' exporters write lands here (test/support/logs.ts); scanned below.
const logDir = join(outDir, 'logs');
rmSync(logDir, { recursive: true, force: true });

// Integration suites mostly wait on sockets and timers: two workers on two cores finish sooner.
const selection = suite === 'e2e'
  ? ['--testPathPatterns', 'test/e2e/', '--runInBand']
  : ['--testPathIgnorePatterns', '/test/e2e/', '--maxWorkers=2'];
const run = spawnSync(process.execPath,
  ['node_modules/jest/bin/jest.js', ...selection, '--json', `--outputFile=${outFile}`, ...process.argv.slice(3)],
  { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() } });

let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(readFileSync(outFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  // A suite that fails to load, or in a hook, may have no failed test of its own: count it once.
  for (const suite of results.testResults) {
    if (suite.status === 'failed' && !suite.assertionResults.some((a) => a.status === 'failed')) failed += 1;
  }
} catch {
  failed = 1;
}
failed += await scanLogsForSecrets();
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);

/**
 * A grep of every log the suites wrote for the simulator's secrets: its secret key, its password,
 * any token it issues (all of them start with MIIsim), the secret and security token of every
 * temporary key and every ID token it makes (each carries a marker). Returns 1 when one is found.
 */
async function scanLogsForSecrets() {
  if (!existsSync(logDir)) return 0;
  const { SIMULATOR_CREDENTIALS: credentials } = await import('../dist/simulator/server.js');
  const { TEMPORARY_SECRET_PREFIX, SECURITY_TOKEN_PREFIX } = await import('../dist/simulator/temporary-keys.js');
  const { ID_TOKEN_MARK } = await import('../dist/simulator/federation.js');
  const needles = [credentials.secretKey, credentials.password, 'MIIsim', TEMPORARY_SECRET_PREFIX, SECURITY_TOKEN_PREFIX, ID_TOKEN_MARK];
  let lines = 0;
  const found = [];
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!line) continue;
      lines += 1;
      if (needles.some((needle) => line.includes(needle))) found.push(`${file}: ${line.slice(0, 200)}`);
    }
  }
  console.log(`log scan: ${lines} log lines in ${readdirSync(logDir).length} files, ${found.length} with a secret`);
  for (const line of found.slice(0, 10)) console.log(`  ${line}`);
  return found.length > 0 ? 1 : 0;
}
