/**
 * `pnpm bench:proxy`: what a proxy costs beside the wire. The same requests go straight to a
 * draining upstream (direct), through retouch (the real CLI) and through the Portkey gateway, each
 * in its own process, from a load client in its own process, in alternating rounds in one run:
 *
 * - the 615 KB edit (two incompressible PNGs + a mask): p50/p90/p99 at concurrency 1, throughput
 *   at 16, ratios to direct, CPU per request of each proxy, peak RSS;
 * - a 20 MB single-image edit: MB/s through each proxy against direct;
 * - a 10 KB JSON edit (retouch only: Portkey's edit route reads multipart only);
 * - memory: 16 concurrent uploads of 4 × 4 MB images, peak RSS against 3 × the payload in flight
 *   + 80 MB, and RSS 3 s after the load and 1 s after retouch's idle release (a full GC);
 * - a streamed edit's time to its first partial image (when this retouch streams);
 * - in the edit and JSON rounds, retouch with its store as well (embedded PGlite in a fresh
 *   folder, a virtual key from `/key/generate`): what the store adds to retouch per request;
 * - in the edit, large and JSON rounds, a floor proxy (`node:http` in, a keep-alive agent out,
 *   nothing else): what any proxy in Node costs on this machine before it does anything.
 *
 * Results are printed and written as JSON (`--out`).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { RECOMMENDED_MIN_SEMI_SPACE_MIB } from '@retouch/proxy';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { printTable } from '../stats.js';
import {
  type BenchServer,
  ensurePortkey,
  generateKey,
  resetPeak,
  sample,
  startLoadClient,
  startFloorProxy,
  startPortkey,
  startRetouch,
  startUpstream,
} from './processes.js';
import { PROXY_KEY, UPSTREAM_KEY } from './protocol.js';
import {
  type BenchBody,
  manyLargeImages,
  oneLargeImage,
  smallJsonEdit,
  streamedEdit,
  twoImagesAndMask,
} from './requests.js';
import {
  alternate,
  type BodyFile,
  type Harness,
  measure,
  type Row,
  type Target,
  warmUp,
} from './scenarios.js';

/** Options of {@link benchProxy}. */
export interface ProxyBenchOptions {
  /** Alternating rounds per scenario. Defaults to 3. */
  rounds?: number;
  /** Fewer requests per round (a smoke run). */
  quick?: boolean;
  /** Leave the Portkey gateway out. */
  noPortkey?: boolean;
  /** Leave out retouch with a store (embedded PGlite, a virtual key checked against it). */
  noStore?: boolean;
  /** Leave out the floor proxy (`node:http` in and out, nothing else). */
  noFloor?: boolean;
  /** Leave out retouch started with {@link YOUNG_GENERATION_FLAGS} (the proxy README's production flag). */
  noYoung?: boolean;
  /** Where the JSON results go. */
  out: string;
  /**
   * Seconds of unmeasured load per target before a scenario's rounds (edit, large, JSON).
   * Defaults to 10 (2 with `quick`).
   */
  warmupSeconds?: number;
  /** Scenarios to run (all by default): `edit`, `large`, `json`, `memory`, `stream`. */
  only?: readonly string[];
}

/** The environment the proxy README recommends where memory after a burst matters more than CPU. */
const LEAN_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '16384' };

/**
 * The Node flag the proxy README recommends: V8's young generation at its full 16 MiB semi-spaces
 * from the start, instead of 1 MiB growing. From a small young generation, uploads that are still
 * in flight survive scavenges and end up in the old generation; a process then often stays in a
 * state where the uploads are freed by mark-compacts (17–71 per 2,000 edits against 0–12), at up to
 * twice the CPU per edit (see `--gc-modes`).
 */
export const YOUNG_GENERATION_FLAGS = [`--min-semi-space-size=${RECOMMENDED_MIN_SEMI_SPACE_MIB}`];

/** `general_settings.idle_memory_release_ms` of the bench's retouch. */
const IDLE_RELEASE_MS = 5000;

const f = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}x` : 'n/a');

function machine() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout.
  }
  return {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function failures(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.failed > 0)
    .map((r) => `${r.target}: ${r.failed} failed (${r.firstError?.replace(/\s+/g, ' ').slice(0, 200)})`);
}

/**
 * Runs the proxy benchmark, prints its tables and writes the JSON results to `options.out`.
 *
 * @example
 * ```ts
 * await benchProxy({ rounds: 3, out: 'results/proxy.json' });
 * ```
 */
export async function benchProxy(options: ProxyBenchOptions): Promise<void> {
  const rounds = options.rounds ?? 3;
  const scale = options.quick ? 0.2 : 1;
  const n = (count: number) => Math.max(4, Math.round(count * scale));
  const warmupSeconds = options.warmupSeconds ?? (options.quick ? 2 : 10);
  const wants = (name: string) => !options.only || options.only.includes(name);
  const started = machine();
  console.log(
    `proxy bench: node ${started.node}, ${started.cpus} × ${started.cpuModel}, load average ${started.loadAverage.join(' ')}, commit ${started.commit}`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-proxy-'));
  const servers: BenchServer[] = [];
  const upstream = await startUpstream();
  servers.push(upstream);
  const client = await startLoadClient();
  const harness: Harness = { client, upstream, budgetMs: 90_000, timeoutMs: 60_000 };
  const results: Record<string, unknown> = { machine: started };
  const notes: string[] = [];
  try {
    const configFile = join(dir, 'config.yaml');
    await writeFile(
      configFile,
      [
        'model_list:',
        '  - model_name: gpt-image-2',
        `    litellm_params: { model: gpt-image-2, api_key: ${UPSTREAM_KEY}, api_base: "${upstream.url}/v1" }`,
        '  - model_name: gpt-image-1-stream',
        `    litellm_params: { model: gpt-image-2, api_key: ${UPSTREAM_KEY}, api_base: "${upstream.url}/stream/v1" }`,
        'router_settings: { num_retries: 0 }',
        // The idle release after 5 s instead of its default 2 s: the memory scenario reads RSS 3 s
        // after the burst (before it) and 1 s after it, and the other scenarios' rounds are not
        // separated by collections.
        `general_settings: { master_key: ${PROXY_KEY}, idle_memory_release_ms: ${IDLE_RELEASE_MS} }`,
        '',
      ].join('\n'),
    );
    const retouch = await startRetouch(configFile);
    servers.push(retouch);
    // The same config with the store (embedded PGlite in a fresh folder) and a virtual key from
    // it: what the key check against the store and the spend log rows add to a request.
    let withStore: Target | undefined;
    if (!options.noStore) {
      const stored = await startRetouch(configFile, [], ['--data-dir', join(dir, 'data')]);
      servers.push(stored);
      withStore = {
        name: 'retouch+store',
        url: `${stored.url}/v1/images/edits`,
        headers: { authorization: `Bearer ${await generateKey(stored.url, PROXY_KEY)}` },
        pid: stored.pid,
      };
    }
    // The same retouch started with the production flag of the proxy README.
    let young: Target | undefined;
    if (!options.noYoung) {
      const server = await startRetouch(configFile, YOUNG_GENERATION_FLAGS);
      servers.push(server);
      young = {
        name: 'retouch 16 MiB young',
        url: `${server.url}/v1/images/edits`,
        headers: { authorization: `Bearer ${PROXY_KEY}` },
        pid: server.pid,
      };
    }
    let portkey: BenchServer | undefined;
    if (!options.noPortkey) {
      const installed = await ensurePortkey();
      if ('skipped' in installed) notes.push(installed.skipped);
      else {
        portkey = await startPortkey(installed.script);
        servers.push(portkey);
      }
    }
    const direct = (prefix = ''): Target => ({
      name: 'direct',
      url: `${upstream.url}${prefix}/v1/images/edits`,
      headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    });
    const viaRetouch: Target = {
      name: 'retouch',
      url: `${retouch.url}/v1/images/edits`,
      headers: { authorization: `Bearer ${PROXY_KEY}` },
      pid: retouch.pid,
    };
    const viaPortkey = (prefix = ''): Target[] =>
      portkey
        ? [
            {
              name: 'portkey',
              url: `${portkey.url}/v1/images/edits`,
              headers: {
                authorization: `Bearer ${UPSTREAM_KEY}`,
                'x-portkey-provider': 'openai',
                'x-portkey-custom-host': `${upstream.url}${prefix}/v1`,
              },
              pid: portkey.pid,
            },
          ]
        : [];
    // What any proxy in Node costs at least: node:http in, a keep-alive agent out, nothing else.
    let floor: Target | undefined;
    if (!options.noFloor) {
      const server = await startFloorProxy(upstream.url);
      servers.push(server);
      floor = { name: server.name, url: `${server.url}/v1/images/edits`, headers: {}, pid: server.pid };
    }
    const targets = [direct(), viaRetouch, ...(young ? [young] : []), ...viaPortkey()];
    const withFloor = (list: Target[]) => (floor ? [...list, floor] : list);
    // The store's variant runs beside the others where its cost per request shows (edit, JSON).
    const withStoreToo = (list: Target[]) =>
      withStore ? [...list.slice(0, 2), withStore, ...list.slice(2)] : list;
    const storeCost = (serial: readonly Row[], parallel: readonly Row[]) => {
      const at = (rows: readonly Row[], name: string) => rows.find((r) => r.target === name);
      const [plain1, store1, plain16, store16] = [
        at(serial, 'retouch'),
        at(serial, 'retouch+store'),
        at(parallel, 'retouch'),
        at(parallel, 'retouch+store'),
      ];
      if (!plain1 || !store1 || !plain16 || !store16) return undefined;
      const cost = {
        addedP50Ms: store1.p50 - plain1.p50,
        addedCpuMsPerRequest: store16.proxyCpuMsPerRequest - plain16.proxyCpuMsPerRequest,
        rpsRatio: plain16.rps > 0 ? store16.rps / plain16.rps : Number.NaN,
      };
      console.log(
        `  the store adds ${f(cost.addedP50Ms)} ms p50 at concurrency 1 (retouch+store ${f(store1.p50)} vs retouch ${f(plain1.p50)}), ${f(cost.addedCpuMsPerRequest)} ms CPU per request at 16, ${f(cost.rpsRatio)}× retouch's req/s`,
      );
      return cost;
    };
    const write = async (name: string, body: BenchBody): Promise<BodyFile> => {
      const file = join(dir, `${name}.body`);
      await writeFile(file, body.body);
      return { label: body.label, file, bytes: body.body.length, contentType: body.type };
    };

    if (wants('edit')) {
      const edit = await write('edit', twoImagesAndMask());
      const editTargets = withFloor(withStoreToo(targets));
      // Warm-up: JIT (to the steady state, see warmUp), connection pools, both concurrencies.
      for (const target of editTargets) {
        await warmUp(harness, target, edit, { seconds: warmupSeconds, concurrency: 16 });
        await measure(harness, target, edit, { total: n(20), concurrency: 1 });
      }
      const serial = await alternate(harness, editTargets, edit, { total: n(150), concurrency: 1 }, rounds);
      const parallel = await alternate(
        harness,
        editTargets,
        edit,
        { total: n(2000), concurrency: 16 },
        rounds,
      );
      const d1 = serial[0] as Row;
      const d16 = parallel[0] as Row;
      printTable(
        `Edit: ${edit.label}; p50/p90/p99 at concurrency 1, req/s at 16 (${rounds} alternating rounds)`,
        [
          'path',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'added p50',
          'req/s @16',
          'rounds',
          'vs direct',
          'CPU ms/req',
          'peak RSS MiB',
        ],
        serial.map((row, i) => {
          const par = parallel[i] as Row;
          return [
            row.target,
            f(row.p50),
            f(row.p90),
            f(row.p99),
            row.target === 'direct' ? '' : `+${f(row.p50 - d1.p50)}`,
            f(par.rps, 0),
            par.rpsPerRound.map((r) => r.toFixed(0)).join('/'),
            ratio(par.rps, d16.rps),
            row.target === 'direct' ? '' : f(par.proxyCpuMsPerRequest),
            row.target === 'direct' ? '' : f(Math.max(row.peakMiB, par.peakMiB), 0),
          ];
        }),
      );
      console.log(
        `  upstream CPU ${f(d16.upstreamCpuMsPerRequest)} ms/req, load client CPU ${f(d16.clientCpuMsPerRequest)} ms/req (direct, @16); bytes the upstream got per request: ${parallel.map((r) => `${r.target} ${r.upstreamBytesPerRequest.toFixed(0)}`).join(', ')}`,
      );
      const editStore = storeCost(serial, parallel);
      notes.push(...failures([...serial, ...parallel]));
      results.edit = {
        request: edit.label,
        bytes: edit.bytes,
        concurrency1: serial,
        concurrency16: parallel,
        store: editStore,
      };
    }

    if (wants('large')) {
      const large = await write('large', oneLargeImage());
      const largeTargets = withFloor(targets);
      for (const target of largeTargets)
        await warmUp(harness, target, large, { seconds: warmupSeconds, concurrency: 1 });
      const rows = await alternate(harness, largeTargets, large, { total: n(8), concurrency: 1 }, rounds);
      const d = rows[0] as Row;
      printTable(
        `Large edit: ${large.label}; concurrency 1 (${rounds} alternating rounds)`,
        ['path', 'p50 ms', 'p90 ms', 'MB/s', 'vs direct', 'CPU ms/req', 'peak RSS MiB'],
        rows.map((row) => [
          row.target,
          f(row.p50),
          f(row.p90),
          f(row.mbPerSecond, 0),
          ratio(row.mbPerSecond, d.mbPerSecond),
          row.target === 'direct' ? '' : f(row.proxyCpuMsPerRequest),
          row.target === 'direct' ? '' : f(row.peakMiB, 0),
        ]),
      );
      notes.push(...failures(rows));
      results.large = { request: large.label, bytes: large.bytes, concurrency1: rows };
    }

    if (wants('json')) {
      const json = await write('json', smallJsonEdit());
      // Portkey's edit route reads multipart only.
      const jsonTargets = withFloor(withStoreToo([direct(), viaRetouch]));
      for (const target of jsonTargets)
        await warmUp(harness, target, json, { seconds: warmupSeconds, concurrency: 16 });
      const serial = await alternate(harness, jsonTargets, json, { total: n(150), concurrency: 1 }, rounds);
      const parallel = await alternate(
        harness,
        jsonTargets,
        json,
        { total: n(2000), concurrency: 16 },
        rounds,
      );
      const d1 = serial[0] as Row;
      const d16 = parallel[0] as Row;
      printTable(
        `JSON edit: ${json.label} (no Portkey: its edit route reads multipart only)`,
        ['path', 'p50 ms', 'p99 ms', 'added p50', 'req/s @16', 'vs direct', 'CPU ms/req'],
        serial.map((row, i) => {
          const par = parallel[i] as Row;
          return [
            row.target,
            f(row.p50),
            f(row.p99),
            row.target === 'direct' ? '' : `+${f(row.p50 - d1.p50)}`,
            f(par.rps, 0),
            ratio(par.rps, d16.rps),
            row.target === 'direct' ? '' : f(par.proxyCpuMsPerRequest),
          ];
        }),
      );
      const jsonStore = storeCost(serial, parallel);
      notes.push(...failures([...serial, ...parallel]));
      results.json = {
        request: json.label,
        bytes: json.bytes,
        concurrency1: serial,
        concurrency16: parallel,
        store: jsonStore,
      };
    }

    if (wants('memory')) {
      const heavy = await write('memory', manyLargeImages());
      const concurrency = 16;
      const inFlightMiB = (concurrency * heavy.bytes) / 1024 / 1024;
      const boundMiB = 3 * inFlightMiB + 80;
      const rows: string[][] = [];
      const memory: unknown[] = [];
      // Retouch again with the proxy README's environment for memory-constrained deployments:
      // glibc then maps buffers of 16 KiB and more on their own, so freeing them unmaps them.
      const lean = await startRetouch(configFile, [], undefined, LEAN_MALLOC_ENV);
      servers.push(lean);
      const leanTarget: Target = {
        ...viaRetouch,
        name: `retouch ${Object.entries(LEAN_MALLOC_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
        url: `${lean.url}/v1/images/edits`,
        pid: lean.pid,
      };
      for (const target of [...targets.slice(1), leanTarget]) {
        const pid = target.pid as number;
        const before = await sample(pid);
        await resetPeak(pid);
        const run = await measure(harness, target, heavy, { total: n(48), concurrency });
        // Idle a moment: what the proxy gives back once the load is gone; then once retouch's
        // idle release (a full GC, `idle_memory_release_ms` after the last request) has run.
        const burstEnded = Date.now();
        const idleUntil = (ms: number) =>
          new Promise((resolve) => setTimeout(resolve, burstEnded + ms - Date.now()));
        await idleUntil(3000);
        const after = await sample(pid);
        await idleUntil(IDLE_RELEASE_MS + 1000);
        const released = await sample(pid);
        rows.push([
          target.name,
          f(before.rssMiB, 0),
          f(run.peakMiB, 0),
          f(boundMiB, 0),
          run.peakMiB <= boundMiB ? 'yes' : 'NO',
          f(after.rssMiB, 0),
          f(released.rssMiB, 0),
          f(run.proxyCpuMs / Math.max(1, run.result.samples.length), 1),
          String(run.result.samples.length),
        ]);
        memory.push({
          target: target.name,
          rssBeforeMiB: before.rssMiB,
          peakMiB: run.peakMiB,
          boundMiB,
          withinBound: run.peakMiB <= boundMiB,
          rssAfterMiB: after.rssMiB,
          rssAfterIdleReleaseMiB: released.rssMiB,
          proxyCpuMsPerRequest: run.proxyCpuMs / Math.max(1, run.result.samples.length),
          requests: run.result.samples.length,
          errors: run.result.errors,
        });
        if (Object.keys(run.result.errors).length > 0)
          notes.push(
            `${target.name} (memory): ${JSON.stringify(run.result.errors)} ${run.result.firstError ?? ''}`,
          );
      }
      printTable(
        `Memory: ${concurrency} concurrent ${heavy.label} (${f(inFlightMiB, 0)} MiB in flight; bound 3 × that + 80 MiB)`,
        [
          'proxy',
          'RSS before',
          'peak RSS',
          'bound',
          'within',
          'RSS 3 s after',
          `RSS ${(IDLE_RELEASE_MS + 1000) / 1000} s after (idle release at ${IDLE_RELEASE_MS / 1000} s)`,
          'CPU ms/req',
          'requests',
        ],
        rows,
      );
      results.memory = {
        request: heavy.label,
        bytes: heavy.bytes,
        concurrency,
        inFlightMiB,
        boundMiB,
        idleReleaseMs: IDLE_RELEASE_MS,
        rows: memory,
      };
    }

    if (wants('stream')) {
      const streamed = await write('stream', streamedEdit());
      const probe = await measure(harness, viaRetouch, streamed, { total: 1, concurrency: 1, stream: true });
      if (probe.result.samples.length === 0) {
        notes.push(
          `stream: skipped, this retouch does not stream an edit (${probe.result.firstError?.replace(/\s+/g, ' ').slice(0, 160)})`,
        );
      } else {
        const streamTargets = [direct('/stream'), viaRetouch, ...viaPortkey('/stream')];
        for (const target of streamTargets)
          await measure(harness, target, streamed, { total: 3, concurrency: 1, stream: true });
        const rows = await alternate(
          harness,
          streamTargets,
          streamed,
          { total: n(20), concurrency: 1, stream: true },
          rounds,
        );
        const d = rows[0] as Row;
        printTable(
          `Streamed edit: ${streamed.label}; time to the first partial image (upstream sends it 50 ms after the body)`,
          ['path', 'first partial p50 ms', 'p90 ms', 'added p50', 'whole stream p50 ms'],
          rows.map((row) => [
            row.target,
            f(row.firstEventP50),
            f(row.firstEventP90),
            row.target === 'direct' ? '' : `+${f((row.firstEventP50 ?? 0) - (d.firstEventP50 ?? 0))}`,
            f(row.p50),
          ]),
        );
        notes.push(...failures(rows));
        results.stream = { request: streamed.label, concurrency1: rows };
      }
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await client.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const ended = machine();
  results.loadAverageAfter = ended.loadAverage;
  results.notes = notes;
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`\nload average before ${started.loadAverage.join(' ')}, after ${ended.loadAverage.join(' ')}`);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${options.out}`);
}
