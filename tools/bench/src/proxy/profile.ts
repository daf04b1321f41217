/**
 * Where retouch's time goes: `pnpm bench:proxy --profile` runs retouch with `--cpu-prof`, sends it
 * the 615 KB edit at concurrency 16, and reduces the V8 CPU profile to CPU per request by part
 * (undici, web streams, busboy, fastify, node's own HTTP and streams, GC, retouch's packages, …).
 * Native frames (no script URL) are charged to the script that called them.
 * @module
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { printTable } from '../stats.js';
import { generateKey, startLoadClient, startRetouch, startUpstream } from './processes.js';
import { PROXY_KEY, UPSTREAM_KEY, oneDeploymentConfig } from './protocol.js';
import { oneLargeImage, smallJsonEdit, twoImagesAndMask } from './requests.js';
import { measure, warmUp } from './scenarios.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const PARTS: [RegExp, string][] = [
  [/undici/, 'undici (fetch)'],
  [
    /internal\/webstreams|internal\/blob|internal\/file|js_transferable|internal\/abort_controller|internal\/event_target/,
    'web streams, Blob, AbortSignal',
  ],
  [/busboy/, 'busboy (multipart parse)'],
  [/@fastify\/multipart/, '@fastify/multipart'],
  [/fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse/, 'fastify'],
  [/pino|sonic-boom|thread-stream/, 'pino (logs)'],
  [/prom-client/, 'prom-client (metrics)'],
  [/zod/, 'zod'],
  [/pngjs/, 'pngjs (mask decode)'],
  [/@electric-sql\/pglite/, 'PGlite (the store, embedded)'],
  [/packages\/store\//, 'retouch store'],
  [/packages\/core\//, 'retouch core'],
  [/packages\/router\//, 'retouch router'],
  [/packages\/proxy\//, 'retouch proxy'],
  [/packages\/provider-/, 'retouch provider'],
  [/node:_http|node:http|internal\/http/, 'node http'],
  [/node:net|node:internal\/net|stream_base_commons|node:internal\/dns|node:dns/, 'node net (sockets)'],
  [/internal\/streams|node:stream/, 'node streams'],
  [/internal\/buffer|node:buffer/, 'node Buffer'],
  [/internal\/process\/task_queues|internal\/timers|node:timers|async_hooks/, 'node timers, microtasks'],
  [/node:events/, 'node events'],
  [/internal\/crypto|node:crypto/, 'node crypto'],
  [/internal\/fs|node:fs/, 'node fs'],
];

function partOf(url: string): string | undefined {
  if (!url) return undefined;
  for (const [pattern, name] of PARTS) if (pattern.test(url)) return name;
  return url.startsWith('node:') ? 'node (other)' : 'other dependencies';
}

/**
 * Reduces a `.cpuprofile` to milliseconds of self time per part (native frames charged to their
 * caller's part, each sample at most twice the usual interval), plus GC and idle. With `window` (CLOCK_MONOTONIC microseconds, the clock of V8's
 * profile timestamps and of `process.hrtime`), only the samples taken within it count: the
 * measured run, without the process's startup and warm-up.
 *
 * @example
 * ```ts
 * const parts = summarizeProfile(JSON.parse(await readFile(file, 'utf8')));
 * ```
 */
export function summarizeProfile(
  profile: CpuProfile,
  window?: { startUs: number; endUs: number },
): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const part = new Map<number, string>();
  const visit = (id: number, inherited: string) => {
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url } = node.callFrame;
    let own = partOf(url) ?? inherited;
    if (functionName === '(garbage collector)') own = 'GC';
    else if (functionName === '(idle)') own = 'idle';
    else if (functionName === '(program)') own = 'V8/native (program)';
    part.set(id, own);
    for (const child of node.children ?? []) visit(child, own);
  };
  visit(profile.nodes[0]?.id ?? 1, 'V8/native (program)');
  const totals = new Map<string, number>();
  // The sampler runs on wall time: a thread the kernel preempted leaves one long gap, charged to
  // whatever it was running (on a loaded machine, a random function gets tens of ms). Each sample
  // counts for at most twice the usual interval, so the shares follow time on the CPU.
  const sorted = [...profile.timeDeltas].filter((d) => d > 0).sort((a, b) => a - b);
  const cap = 2 * (sorted[Math.floor(sorted.length / 2)] ?? 1000);
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) return;
    const name = part.get(id) ?? 'V8/native (program)';
    totals.set(name, (totals.get(name) ?? 0) + Math.min(cap, profile.timeDeltas[i] ?? 0) / 1000);
  });
  return totals;
}

/**
 * Profiles retouch on the 615 KB edit (or, with `request: 'json'`, the 10 KB JSON edit) at
 * concurrency 16 and prints where its CPU goes.
 *
 * @example
 * ```ts
 * await profileRetouch({ requests: 2000, request: 'json' });
 * ```
 */
export async function profileRetouch(
  options: {
    /** Requests in the measured run. Defaults to 2,000. */
    requests?: number;
    /** Where to keep the `.cpuprofile`. */
    out?: string;
    /** Which request: `edit` (the 615 KB multipart, the default), `json` (10 KB JSON) or `large` (20 MB, at concurrency 1). */
    request?: 'edit' | 'json' | 'large';
    /** Retouch with its store (embedded PGlite in a fresh folder) and a virtual key from it. */
    store?: boolean;
    /** Seconds of unmeasured load before the measured run. Defaults to 10. */
    warmupSeconds?: number;
  } = {},
): Promise<void> {
  const requests = options.requests ?? 2000;
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-profile-'));
  const upstream = await startUpstream();
  const client = await startLoadClient();
  try {
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, oneDeploymentConfig(upstream.url));
    const profileDir = join(dir, 'profile');
    const retouch = await startRetouch(
      configFile,
      // 250 µs between samples: at the default 1 ms an edit gets about one sample.
      ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profileDir}`],
      options.store ? ['--data-dir', join(dir, 'data')] : undefined,
    );
    const key = options.store ? await generateKey(retouch.url, PROXY_KEY) : PROXY_KEY;
    const edit =
      options.request === 'json'
        ? smallJsonEdit()
        : options.request === 'large'
          ? oneLargeImage()
          : twoImagesAndMask();
    const concurrency = options.request === 'large' ? 1 : 16;
    const file = join(dir, 'edit.body');
    await writeFile(file, edit.body);
    const body = { label: edit.label, file, bytes: edit.body.length, contentType: edit.type };
    const target = {
      name: 'retouch',
      url: `${retouch.url}/v1/images/edits`,
      headers: { authorization: `Bearer ${key}` },
      pid: retouch.pid,
    };
    const harness = { client, upstream, budgetMs: 300_000, timeoutMs: 60_000 };
    // Warmed up first (JIT to its steady state, pools); only the measured run's samples are counted.
    await warmUp(harness, target, body, { seconds: options.warmupSeconds ?? 10, concurrency });
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const run = await measure(harness, target, body, { total: requests, concurrency });
    const endUs = Number(process.hrtime.bigint() / 1000n);
    await retouch.stop();
    // One profile per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, the main thread's id 0.
    const names = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
    const main = names.find((f) => f.split('.')[4] === '0') ?? names[0];
    if (!main) throw new Error('retouch wrote no CPU profile');
    const raw = await readFile(join(profileDir, main), 'utf8');
    if (options.out) {
      await mkdir(dirname(options.out), { recursive: true });
      await writeFile(options.out, raw);
      // The measured run's window, for reading the kept profile without the warm-up.
      await writeFile(`${options.out}.window.json`, `${JSON.stringify({ startUs, endUs })}\n`);
    }
    const window = { startUs, endUs };
    const profile = JSON.parse(raw) as CpuProfile;
    const inWindow = summarizeProfile(profile, window);
    // Should the clocks ever disagree, the whole profile is better than nothing.
    const totals = inWindow.size > 0 ? inWindow : summarizeProfile(profile);
    const scope = inWindow.size > 0 ? 'the measured run' : 'the whole profile (startup included)';
    // Worker threads (the store's PGlite, image workers) share the process's CPU time in /proc.
    for (const [i, name] of names.filter((f) => f !== main).entries()) {
      const threadRaw = await readFile(join(profileDir, name), 'utf8');
      if (options.out) await writeFile(`${options.out}.thread-${i + 1}.cpuprofile`, threadRaw);
      const thread = summarizeProfile(JSON.parse(threadRaw), window);
      const busyMs = [...thread].filter(([k]) => k !== 'idle').reduce((sum, [, v]) => sum + v, 0);
      const part = 'worker threads (the store, image workers)';
      if (busyMs > 0) totals.set(part, (totals.get(part) ?? 0) + busyMs);
    }
    const served = run.result.samples.length;
    // The profile's sample gaps are wall time, stretched when the machine is loaded: shares are
    // taken from the profile, absolute CPU from /proc around the run.
    const cpuPerRequest = run.proxyCpuMs / served;
    const busy = [...totals].filter(([k]) => k !== 'idle').reduce((s, [, v]) => s + v, 0);
    const rows = [...totals]
      .filter(([k]) => k !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [
        k,
        ((v / busy) * cpuPerRequest * 1000).toFixed(0),
        `${((v / busy) * 100).toFixed(1)} %`,
      ]);
    printTable(
      `Where retouch's CPU goes${options.store ? ' (with its store)' : ''}: ${edit.label}, concurrency ${concurrency}, ${served} requests (shares from ${scope}); ${cpuPerRequest.toFixed(2)} ms CPU a request (/proc), ${run.result.wallMs > 0 ? ((served / run.result.wallMs) * 1000).toFixed(0) : 'n/a'} req/s; load average ${loadavg()[0]?.toFixed(1)}`,
      ['part', 'µs CPU/request', 'share'],
      rows,
    );
    if (options.out)
      console.log(
        `profile: ${options.out} (worker threads' beside it as .thread-N.cpuprofile; the measured run's window: ${options.out}.window.json)`,
      );
  } finally {
    await client.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
