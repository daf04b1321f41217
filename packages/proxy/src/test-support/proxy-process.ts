/**
 * Test support (not built, not exported): the `retouch` command as a real process, run from the
 * TypeScript sources (`tools/ts-run`), for what only a process shows: signals, exit, forced GC, RSS.
 * Importing it registers an `afterAll` in the test file that kills every process still running.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

/** A running `retouch` process. */
export interface ProxyProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every stdout line so far, with when it arrived (`performance.now()`). */
  readonly lines: { text: string; at: number }[];
  /** Resolves with the exit code and when it exited (`performance.now()`). */
  readonly exited: Promise<{ code: number | null; at: number }>;
  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number;
  /** Kills it if it still runs. */
  stop(): Promise<void>;
}

/** How to stop each process this test file started that still runs. */
const running = new Set<() => Promise<void>>();

// A test that fails before stopping its process would leave it running, its pipes holding jest
// (in band on 2 cores) open for good: whatever still runs once the file is done is killed here.
afterAll(async () => {
  await Promise.allSettled([...running].map((stop) => stop()));
});

const wantsStore = (options: { args?: string[]; env?: Record<string, string> }) =>
  (options.args ?? []).some((a) => a === '--data-dir' || a === '--no-persist') ||
  options.env?.DATABASE_URL !== undefined;

/**
 * Writes `config` to a temporary config.yaml and starts `retouch` on 127.0.0.1 (a free port).
 *
 * @example
 * ```ts
 * const proxy = await startProxyProcess(configText, { args: ['--shutdown-grace', '2'] });
 * proxy.child.kill('SIGTERM');
 * ```
 */
export async function startProxyProcess(
  config: string,
  options: { args?: string[]; env?: Record<string, string>; nodeArgs?: string[]; startupMs?: number } = {},
): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'retouch-process-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, config);
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--conditions=@retouch/source',
      '--import',
      './tools/ts-run/register.mjs',
      CLI,
      '--config',
      file,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      // Tests that are not about the store skip the embedded database (seconds and ~400 MB).
      ...(wantsStore(options) ? [] : ['--no-database']),
      ...(options.args ?? []),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...options.env },
    },
  );
  const lines: { text: string; at: number }[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const text of parts) lines.push({ text, at: performance.now() });
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: performance.now() })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  running.add(stop);
  // However it ends (stop(), a test's own signal, a crash), it is no longer a leftover.
  void exited.then(() => running.delete(stop));
  // The sources compile on start; a loaded machine makes that slow.
  const end = performance.now() + (options.startupMs ?? 90_000);
  let url: string | undefined;
  while (!url) {
    url = lines.map((l) => /listening on (http:\/\/\S+)/.exec(l.text)?.[1]).find(Boolean);
    if (url) break;
    if (child.exitCode !== null || performance.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`retouch did not start: ${stderr || lines.map((l) => l.text).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid as number;
  return {
    url,
    pid,
    child,
    lines,
    exited,
    rss() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
    },
    stop,
  };
}
