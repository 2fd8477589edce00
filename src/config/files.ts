// Files a configuration names: how a failure to read one is told, and how a change to one is
// noticed without reading it.
import { stat } from 'node:fs/promises';

/** Why a file could not be read, in words (never its content). */
export function fileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
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
