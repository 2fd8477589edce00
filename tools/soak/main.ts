// `npm run soak [-- --polls N --seconds S --seed N]`: the soak run (see soak.ts). Prints one JSON
// report on stdout, progress on stderr; exits 0 when the report passes, 1 when it fails, 2 on a
// usage error.
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

const USAGE = 'usage: soak [--polls N] [--seconds S] [--seed N] [--warmup N]';

function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return parsed;
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      options: {
        polls: { type: 'string' },
        seconds: { type: 'string' },
        seed: { type: 'string' },
        warmup: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const polls = intOption(values.polls, 'polls', 4000, 2, 1_000_000);
    options = {
      polls,
      seconds: intOption(values.seconds, 'seconds', 180, 1, 86_400),
      seed: intOption(values.seed, 'seed', 1, 0, 2 ** 32 - 1),
      ...(values.warmup !== undefined ? { warmupPolls: intOption(values.warmup, 'warmup', 1, 1, polls - 1) } : {}),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const report = await runSoak({ ...options, progress: (line) => console.error(line) });
  console.log(JSON.stringify(report, null, 2));
  return report.pass ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
