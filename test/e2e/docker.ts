// The Docker engine the image tests drive: Debian's dockerd started by .ci/docker-engine.sh on a
// socket of its own, spoken to with Debian's own client (/usr/bin/docker: BuildKit without the
// buildx plugin). A missing engine or base image is an error with the command that fixes it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './tools.js';

export const DOCKER = '/usr/bin/docker';
const DEFAULT_HOST = 'unix:///tmp/huaweicloud-db-exporter-docker/docker.sock';
const ENGINE_HINT = "run 'bash .ci/install-tools.sh' (Debian packages docker.io and debootstrap), then as root "
  + "'export DOCKER_HOST=$(bash .ci/docker-engine.sh start)' and 'bash .ci/base-image.sh'";

export const dockerHost = (): string => process.env.DOCKER_HOST ?? DEFAULT_HOST;

/** Runs the Debian docker client against the project's engine, killed after `timeoutMs`. */
export function docker(args: string[], timeoutMs = 60_000, extraEnv: NodeJS.ProcessEnv = {}): RunResult {
  const result = run(DOCKER, args, { env: { ...process.env, DOCKER_HOST: dockerHost(), ...extraEnv }, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (result.status === -1) throw new Error(`docker ${args.slice(0, 2).join(' ')} gave no result within ${timeoutMs} ms`);
  return result;
}

/**
 * The same, without blocking the event loop: for containers that talk to a server of this process
 * (the simulator), which a synchronous spawn would keep from answering.
 */
export function dockerAsync(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env: { ...process.env, DOCKER_HOST: dockerHost() } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`docker ${args.slice(0, 2).join(' ')} gave no result within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Throws with the install hint unless an engine answers and the Dockerfile's base image is in it. */
export function requireEngine(root: string): { serverVersion: string; baseImage: string } {
  let version: RunResult;
  try {
    version = docker(['version', '--format', '{{.Server.Version}}'], 20_000);
  } catch (error) {
    throw new Error(`no Docker engine answers at ${dockerHost()} (${(error as Error).message}): ${ENGINE_HINT}`);
  }
  if (version.status !== 0) throw new Error(`no Docker engine answers at ${dockerHost()}: ${version.stderr.trim()}: ${ENGINE_HINT}`);
  const baseImage = /^FROM\s+(node:\S+)/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1] ?? '';
  if (docker(['image', 'inspect', baseImage], 20_000).status !== 0) {
    throw new Error(`the engine has no ${baseImage} (no registry is reachable): run 'bash .ci/base-image.sh'`);
  }
  return { serverVersion: version.stdout.trim(), baseImage };
}

/** A line for the CI log, outside jest's console decoration. */
export function report(line: string): void {
  process.stdout.write(`image-e2e: ${line}\n`);
}

/** `docker build` of the repository with BuildKit; NODE_EXTRA_CA_CERTS, when set, goes in as the `ca` secret. */
export function buildImage(root: string, tag: string): RunResult {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const revision = run('git', ['rev-parse', 'HEAD'], { cwd: root }).stdout.trim() || 'unknown';
  const args = ['build', '--progress', 'plain', '--network', 'host', '-t', tag,
    '--build-arg', `VERSION=${version}`, '--build-arg', `REVISION=${revision}`, '--build-arg', `CREATED=${new Date().toISOString()}`,
    ...(ca ? ['--secret', `id=ca,src=${ca}`] : []), root];
  return docker(args, 15 * 60_000, { DOCKER_BUILDKIT: '1' });
}
