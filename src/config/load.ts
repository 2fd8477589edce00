// Loading the configuration file: YAML → `${VAR}` interpolation → schema (which also reads the
// `*_file` secrets and fills in defaults) → `Config`. Every problem found is reported at once,
// each prefixed with its path in the file; nothing half-valid is ever returned.

import { dirname, resolve } from 'node:path';
import { issueProblems, inFileOrder, parseYaml } from './document.js';
import { configErrorMap } from './error-map.js';
import { fileError, MAX_CONFIG_FILE_BYTES, readSmallFile } from './files.js';
import { interpolate } from './interpolate.js';
import { ConfigError, isUnder, type Problem } from './problems.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

/**
 * Reads, interpolates, resolves `*_file` secrets (relative to the config file's folder) and
 * validates the file. Throws ConfigError listing every problem.
 */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readSmallFile(file, MAX_CONFIG_FILE_BYTES);
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the configuration file: ${fileError(error)}`]);
  }
  return parseConfig(text, env, dirname(file));
}

/** Same as loadConfig, from the file's text; `baseDir` resolves relative file paths. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv, baseDir: string): Config {
  const parsed = parseYaml(text, 1000);
  if ('problems' in parsed) throw new ConfigError(parsed.problems);
  const interpolated = interpolate(parsed.value, env);
  const result = configSchema({ baseDir }).safeParse(interpolated.value, { error: configErrorMap });

  const problems: Problem[] = [...interpolated.problems];
  if (!result.success) {
    // a value whose interpolation failed has been reported already; its schema issues would only repeat it
    const reported = interpolated.problems.map((problem) => problem.path);
    for (const problem of result.error.issues.flatMap(issueProblems)) {
      if (!reported.some((path) => isUnder(problem.path, path))) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new ConfigError(inFileOrder(parsed.document, problems));
  if (!result.success) throw new ConfigError(['(top level): invalid configuration']);
  return result.data;
}
