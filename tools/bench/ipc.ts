// Benchmark plumbing: child processes spoken to over node's IPC channel, with a deadline on
// every answer, and small statistics helpers.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { START_ENV } from '../../src/heap-tuning.js';

export interface Message {
  type: string;
  /** request id, echoed by the child in its answer */
  id?: number;
  [key: string]: unknown;
}

/** A forked benchmark child (a file next to this one in build/tools/bench). */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly firstOfType = new Map<string, Array<(m: Message) => void>>();
  /** unsolicited messages that came before anyone waited for them */
  private readonly early = new Map<string, Message>();
  private exited = false;

  private constructor(readonly name: string, readonly process: ChildProcess) {
    process.on('message', (raw) => {
      const message = raw as Message;
      if (message.id !== undefined) {
        const entry = this.waiting.get(message.id);
        if (entry) {
          clearTimeout(entry.timer);
          this.waiting.delete(message.id);
          if (message.type === 'error') entry.reject(new Error(`${name}: ${String(message['message'])}`));
          else entry.resolve(message);
        }
        return;
      }
      const listeners = this.firstOfType.get(message.type);
      if (listeners) {
        this.firstOfType.delete(message.type);
        for (const listener of listeners) listener(message);
      } else {
        this.early.set(message.type, message);
      }
    });
    process.once('exit', (code, signal) => {
      this.exited = true;
      for (const entry of this.waiting.values()) {
        clearTimeout(entry.timer);
        entry.reject(new Error(`${name} exited (code ${code}, signal ${signal}) before answering`));
      }
      this.waiting.clear();
    });
  }

  /** Forks `build/tools/bench/<file>` with `args` as node starts by default: none of this process's
   *  node flags (inspector, profiler, START_FLAGS) nor the exporter's START_ENV are passed on. */
  static start(name: string, file: string, args: string[] = []): Child {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in START_ENV)));
    const child = fork(path, args, { execArgv: [], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    return new Child(name, child);
  }

  /** Waits for the first unsolicited message of `type` (e.g. `ready`). */
  waitFor(type: string, timeoutMs: number): Promise<Message> {
    const early = this.early.get(type);
    if (early) {
      this.early.delete(type);
      return Promise.resolve(early);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${type} message within ${timeoutMs} ms`)), timeoutMs);
      const listeners = this.firstOfType.get(type) ?? [];
      listeners.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.firstOfType.set(type, listeners);
      this.process.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}) before sending ${type}`));
      });
    });
  }

  /** Sends a request and waits for the answer carrying its id. */
  request(message: Omit<Message, 'id'>, timeoutMs: number): Promise<Message> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new Error(`${this.name} has exited`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: no answer to ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.process.send({ ...message, id });
    });
  }

  /** Asks the child to stop, and kills it (this child only) if it has not gone within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    try {
      this.process.send({ type: 'stop' });
    } catch {
      // channel already closed
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** In a child: answers requests from the parent; `handle` returns the answer's fields. */
export function serveParent(handle: (message: Message) => Promise<Record<string, unknown>>, onStop: () => Promise<void>): void {
  process.on('message', (raw) => {
    const message = raw as Message;
    if (message.type === 'stop') {
      void onStop().finally(() => process.exit(0));
      return;
    }
    // Every child can say how much CPU it has used, for the side-by-side figures.
    if (message.type === 'cpu') {
      process.send?.({ type: 'cpu', id: message.id, cpu: process.cpuUsage() });
      return;
    }
    handle(message).then(
      (answer) => process.send?.({ type: message.type, id: message.id, ...answer }),
      (error: unknown) => process.send?.({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  // An orphaned child does not linger: the parent gone means the benchmark is over.
  process.on('disconnect', () => void onStop().finally(() => process.exit(0)));
}

/** Closes a child's server, its kept-alive connections included. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/**
 * CPU seconds of this process's main thread (whose thread id is the process id), from /proc;
 * NaN where there is no /proc. What process.cpuUsage() counts beyond it is V8's helper threads:
 * parallel and concurrent garbage collection, and compilation in the background.
 */
export function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // After the command name: state is field 3, utime and stime fields 14 and 15, in USER_HZ (100 a second).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: readonly number[] | Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Rounded for the report: 3 significant decimals are plenty on a noisy machine. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One GET on a connection of its own, the whole answer (200 only). */
export function fetchOnce(url: string, headers: Record<string, string> = {}): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve({ headers: res.headers, body: Buffer.concat(chunks) }) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
