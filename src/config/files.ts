// Files a configuration names: how a failure to read one is told, and how a change to one is
// noticed without reading it.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** The most a secret, certificate or key file may hold. */
export const MAX_FILE_BYTES = 64 * 1024;
/** The most a configuration file may hold (thousands of instances fit). */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
/** How long reading one such file may take. */
export const READ_DEADLINE_MS = 5000;
/** Opened without blocking, so that a FIFO with no writer is refused rather than waited on. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** A file refused before it was read, with a code of ours (fileError puts it in words). */
class FileRefused extends Error {
  constructor(readonly code: 'ENOTREG' | 'EFBIG' | 'ETIMEDOUT') {
    super(code);
  }
}

function check(stats: { size: number; isFile(): boolean; isDirectory(): boolean }, maxBytes: number): void {
  if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
  if (!stats.isFile()) throw new FileRefused('ENOTREG');
  if (stats.size > maxBytes) throw new FileRefused('EFBIG');
}

function checkLength(length: number, maxBytes: number): void {
  if (length > maxBytes) throw new FileRefused('EFBIG');
}

/**
 * A regular file of at most `maxBytes`, as UTF-8; throws (for fileError) otherwise. A FIFO,
 * a device such as /dev/urandom or a socket is refused without reading from it, so a check never
 * hangs. Synchronous, for the schema's secret files: a read of a small regular file.
 */
export function readSmallFileSync(path: string, maxBytes = MAX_FILE_BYTES): string {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stats = fstatSync(fd);
    check(stats, maxBytes);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    checkLength(length, maxBytes);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** As readSmallFileSync, asynchronously, and given up after READ_DEADLINE_MS (a hung mount). */
export async function readSmallFile(path: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
  const handle = await open(path, OPEN_FLAGS);
  let timer: NodeJS.Timeout | undefined;
  try {
    const read = (async () => {
      const stats = await handle.stat();
      check(stats, maxBytes);
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      for (let n = 1; n > 0 && length < buffer.length; length += n) n = (await handle.read(buffer, length, buffer.length - length, null)).bytesRead;
      checkLength(length, maxBytes);
      return buffer.subarray(0, length).toString('utf8');
    })();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FileRefused('ETIMEDOUT')), READ_DEADLINE_MS);
    });
    return await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
    void handle.close().catch(() => undefined);
  }
}

/** Why a file could not be read, in words (never its content). */
export function fileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTREG': return 'not a regular file (a FIFO, device or socket is refused)';
    case 'EFBIG': return `too large (a secret, certificate or key file holds at most ${MAX_FILE_BYTES / 1024} KiB, a configuration file ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB)`;
    case 'ETIMEDOUT': return `not read within ${READ_DEADLINE_MS / 1000} s`;
    default: return code ?? 'unreadable';
  }
}

/** A stat-based fingerprint of a file, to notice changes without reading it. */
export async function fileStamp(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    return `!${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** The files a load read (the config file first, then those it names), each stamped before it was read. */
export interface Seen {
  files: string[];
  stamps: string[];
}
