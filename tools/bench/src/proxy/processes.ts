/**
 * The benchmark's processes: the draining upstream, the load client, retouch (the real CLI) and
 * the Portkey gateway (installed from npm into a cache folder on first use, pinned by the lockfile
 * beside this file, bound to 127.0.0.1), each in its own process, plus what `/proc` says of them.
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoadJob, LoadResult, UpstreamStats } from './protocol.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const CLI = here('../../../../packages/proxy/dist/cli.js');
/** The pinned Portkey install: `portkey.package.json` and its lockfile, in the bench's source folder. */
const PORTKEY_FILES = here('../../portkey/');
const PORTKEY_CACHE = here('../../node_modules/.cache/retouch-bench/portkey-1.15.2/');
const PORTKEY_SERVER = join(PORTKEY_CACHE, 'node_modules/@portkey-ai/gateway/build/start-server.js');

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A server the benchmark started. */
export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts a compiled script of this folder with IPC; resolves with the first message it sends. */
function spawnWithIpc<T>(
  script: string,
  name: string,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; first: T }> {
  const child = track(
    spawn(process.execPath, [here(script), ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  return new Promise((resolve, reject) => {
    child.once('message', (first: T) => resolve({ child, first }));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
}

/** The draining upstream (see `drain-upstream.ts`). */
export interface Upstream extends BenchServer {
  /** What it received since the last call. */
  stats(): Promise<UpstreamStats>;
}

/**
 * Starts the draining upstream in its own process.
 *
 * @example
 * ```ts
 * const upstream = await startUpstream();
 * await fetch(`${upstream.url}/v1/images/edits`, …);
 * ```
 */
export async function startUpstream(): Promise<Upstream> {
  const { child, first } = await spawnWithIpc<{ port: number }>('./drain-upstream.js', 'the upstream');
  return {
    name: 'upstream',
    url: `http://127.0.0.1:${first.port}`,
    pid: child.pid as number,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (message: { stats: UpstreamStats }) => resolve(message.stats));
        child.send('stats');
      }),
    stop: () => stopChild(child),
  };
}

/**
 * Starts the floor proxy (see `floor-proxy.ts`: `node:http` in, a keep-alive agent out, nothing
 * else) in front of `upstreamUrl`, in its own process.
 *
 * @example
 * ```ts
 * const floor = await startFloorProxy(upstream.url);
 * ```
 */
export async function startFloorProxy(upstreamUrl: string): Promise<BenchServer> {
  const { child, first } = await spawnWithIpc<{ port: number }>('./floor-proxy.js', 'the floor proxy', [
    upstreamUrl,
  ]);
  return {
    name: 'node floor',
    url: `http://127.0.0.1:${first.port}`,
    pid: child.pid as number,
    stop: () => stopChild(child),
  };
}

/** The load client (see `load-client.ts`). */
export interface LoadClient {
  pid: number;
  run(job: Omit<LoadJob, 'id'>): Promise<LoadResult>;
  stop(): Promise<void>;
}

/**
 * Starts the load client in its own process.
 *
 * @example
 * ```ts
 * const client = await startLoadClient();
 * const result = await client.run({ url, headers, bodyFile, contentType, total: 100, concurrency: 16, budgetMs: 60_000, timeoutMs: 30_000 });
 * ```
 */
export async function startLoadClient(): Promise<LoadClient> {
  const { child } = await spawnWithIpc<{ ready: true }>('./load-client.js', 'the load client');
  let next = 0;
  return {
    pid: child.pid as number,
    run: (job) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        const onMessage = (result: LoadResult) => {
          if (result.id !== id) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(result);
        };
        const onExit = (code: number | null) => reject(new Error(`the load client exited with ${code}`));
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send({ ...job, id });
      }),
    stop: () => stopChild(child),
  };
}

/**
 * Starts `retouch --config configFile` (the real CLI) in its own process; resolves once it listens.
 *
 * @example
 * ```ts
 * const retouch = await startRetouch('/tmp/config.yaml');
 * ```
 */
export async function startRetouch(
  configFile: string,
  nodeArgs: readonly string[] = [],
  /** Where keys and spend live: none (`--no-database`, the default here) or the CLI flags given. */
  storeArgs: readonly string[] = ['--no-database'],
  /** Environment variables added to the bench's own for this process. */
  env: Readonly<Record<string, string>> = {},
  /** The CLI script to run: this checkout's by default (another build's, to compare two). */
  cli: string = CLI,
): Promise<BenchServer> {
  const child = track(
    spawn(
      process.execPath,
      [
        ...nodeArgs,
        cli,
        '--config',
        configFile,
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-level',
        'warn',
        ...storeArgs,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    ),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`retouch exited with ${code} before listening:\n${text}`)));
  });
  child.stdout?.resume();
  return { name: 'retouch', url, pid: child.pid as number, stop: () => stopChild(child) };
}

/**
 * A virtual key from a retouch with a store (`POST /key/generate` with the master key), so that
 * requests made with it are checked against the store's keys.
 *
 * @example
 * ```ts
 * const key = await generateKey(retouch.url, 'sk-master');
 * ```
 */
export async function generateKey(url: string, masterKey: string): Promise<string> {
  const response = await fetch(`${url}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: 'bench', models: ['*'] }),
  });
  const body = (await response.json()) as { key?: string };
  if (!response.ok || typeof body.key !== 'string') {
    throw new Error(`/key/generate answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return body.key;
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, _out, stderr) =>
        error
          ? reject(
              new Error(
                `${command} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' ') || error.message}`,
              ),
            )
          : resolve(),
    );
  });
}

/**
 * Installs the pinned Portkey gateway into the cache folder unless it is there (`npm ci` from the
 * lockfile beside this file, scripts off); returns its server script, or why it cannot be had
 * (no npm registry reachable on a first run).
 *
 * @example
 * ```ts
 * const portkey = await ensurePortkey();
 * if ('skipped' in portkey) console.log(portkey.skipped);
 * ```
 */
export async function ensurePortkey(): Promise<{ script: string } | { skipped: string }> {
  if (existsSync(PORTKEY_SERVER)) return { script: PORTKEY_SERVER };
  try {
    await rm(PORTKEY_CACHE, { recursive: true, force: true });
    await mkdir(PORTKEY_CACHE, { recursive: true });
    await copyFile(join(PORTKEY_FILES, 'portkey.package.json'), join(PORTKEY_CACHE, 'package.json'));
    await copyFile(
      join(PORTKEY_FILES, 'portkey.package-lock.json'),
      join(PORTKEY_CACHE, 'package-lock.json'),
    );
    console.log(`installing the Portkey gateway (pinned) into ${PORTKEY_CACHE} …`);
    await run(
      'npm',
      ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      PORTKEY_CACHE,
      180_000,
    );
  } catch (error) {
    await rm(PORTKEY_CACHE, { recursive: true, force: true });
    return { skipped: `the Portkey gateway could not be installed (${(error as Error).message})` };
  }
  return existsSync(PORTKEY_SERVER)
    ? { script: PORTKEY_SERVER }
    : { skipped: 'the Portkey gateway installed without its build/start-server.js' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the Portkey gateway on a free loopback port, headless; resolves once it answers `GET /`.
 *
 * @example
 * ```ts
 * const portkey = await startPortkey(script);
 * ```
 */
export async function startPortkey(script: string): Promise<BenchServer> {
  const port = await freePort();
  const child = track(
    spawn(
      process.execPath,
      ['--import', pathToFileURL(here('./bind-loopback.js')).href, script, `--port=${port}`, '--headless'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        cwd: PORTKEY_CACHE,
        env: { ...process.env, NODE_ENV: 'production' },
      },
    ),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey exited with ${child.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(`${url}/`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Portkey did not answer on ${url} within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name: 'portkey', url, pid: child.pid as number, stop: () => stopChild(child) };
}

/** CPU time (user + system) and memory of a process, from `/proc`. */
export interface ProcessSample {
  cpuMs: number;
  rssMiB: number;
  /** Peak RSS since the process started or since {@link resetPeak}. */
  peakMiB: number;
}

/**
 * Reads a process's CPU time and memory from `/proc` (Linux); zeros elsewhere.
 *
 * @example
 * ```ts
 * const before = await sample(pid); …; const cpuPerRequest = ((await sample(pid)).cpuMs - before.cpuMs) / n;
 * ```
 */
export async function sample(pid: number): Promise<ProcessSample> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    // Linux counts CPU time in USER_HZ ticks, 100 a second on every architecture Node runs on.
    return { cpuMs: ticks * 10, rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return { cpuMs: 0, rssMiB: 0, peakMiB: 0 };
  }
}

/**
 * Resets a process's peak RSS to its current RSS (`/proc/<pid>/clear_refs`), so that the next
 * {@link sample} tells the peak of what came after.
 *
 * @example
 * ```ts
 * await resetPeak(pid); await load(); (await sample(pid)).peakMiB;
 * ```
 */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}
