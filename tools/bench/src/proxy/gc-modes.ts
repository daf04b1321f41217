/**
 * `pnpm bench:proxy --gc-modes`: how retouch's garbage collection settles under sustained load, one
 * fresh process after another, with and without {@link YOUNG_GENERATION_FLAGS}. Each process is
 * warmed up, then sent the 614 KB edit at concurrency 16 in a few runs; each run's CPU per edit and
 * its scavenges and mark-compacts (counted inside the process by `gc-counter.ts`) are printed.
 *
 * Why: from V8's initial 1 MiB young generation, a process often settles in a state where its
 * uploads reach the old generation and only mark-compacts free them, and stays there; which state
 * a process lands in is decided in its first seconds, so it shows only across many processes.
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from '../stats.js';
import type { GcCounts } from './gc-counter.js';
import { startLoadClient, startRetouch, startUpstream } from './processes.js';
import { PROXY_KEY, UPSTREAM_KEY, oneDeploymentConfig } from './protocol.js';
import { YOUNG_GENERATION_FLAGS } from './proxy-bench.js';
import { twoImagesAndMask } from './requests.js';
import { type Harness, measure, quantile, warmUp } from './scenarios.js';

const GC_COUNTER = fileURLToPath(new URL('./gc-counter.js', import.meta.url));

/** Options of {@link benchGcModes}. */
export interface GcModesOptions {
  /** Processes per variant, started one after another, alternating. Defaults to 3. */
  processes?: number;
  /** Runs per process. Defaults to 3. */
  rounds?: number;
  /** Requests per run, at concurrency 16. Defaults to 2,000. */
  requests?: number;
  /** Seconds of unmeasured load before a process's runs. Defaults to 8. */
  warmupSeconds?: number;
  /**
   * Seconds each process idles before each run (its idle release, 2 s by default, runs in them, and
   * V8 may shrink its young generation). Defaults to 15; 0 runs them back to back.
   */
  gapSeconds?: number;
  /** Where the JSON results go, if anywhere. */
  out?: string;
}

/** One run of one process. */
interface GcRun {
  cpuMsPerEdit: number;
  rps: number;
  scavenges: number;
  markCompacts: number;
}

/** A process that ends its runs still collecting uploads with mark-compacts (≥ 5 per 1,000 edits). */
const STUCK_MARK_COMPACTS_PER_1000 = 5;

/**
 * Runs the GC-modes bench and prints one row per process and a summary per variant.
 *
 * @example
 * ```ts
 * await benchGcModes({ processes: 3, rounds: 3, gapSeconds: 15 });
 * ```
 */
export async function benchGcModes(options: GcModesOptions = {}): Promise<void> {
  const processes = options.processes ?? 3;
  const rounds = options.rounds ?? 3;
  const requests = options.requests ?? 2000;
  const gapSeconds = options.gapSeconds ?? 15;
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-gc-'));
  const upstream = await startUpstream();
  const client = await startLoadClient();
  const variants = [
    { name: 'node cli.js', flags: [] as string[] },
    { name: `node ${YOUNG_GENERATION_FLAGS.join(' ')} cli.js`, flags: YOUNG_GENERATION_FLAGS },
  ];
  const results: { variant: string; runs: GcRun[] }[] = [];
  try {
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, oneDeploymentConfig(upstream.url));
    const edit = twoImagesAndMask();
    const file = join(dir, 'edit.body');
    await writeFile(file, edit.body);
    const body = { label: edit.label, file, bytes: edit.body.length, contentType: edit.type };
    const harness: Harness = { client, upstream, budgetMs: 300_000, timeoutMs: 60_000 };
    console.log(
      `gc modes: node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )}; ${processes} processes per variant, ${rounds} runs of ${requests} edits at 16 each, ${gapSeconds} s idle before each`,
    );
    for (let i = 0; i < processes * variants.length; i++) {
      const variant = variants[i % variants.length] as (typeof variants)[number];
      const gcFile = join(dir, `gc-${i}.json`);
      const retouch = await startRetouch(configFile, [...variant.flags, '--import', GC_COUNTER], undefined, {
        RETOUCH_BENCH_GC_FILE: gcFile,
      });
      const counts = async (): Promise<GcCounts> => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return JSON.parse(await readFile(gcFile, 'utf8')) as GcCounts;
      };
      try {
        const target = {
          name: variant.name,
          url: `${retouch.url}/v1/images/edits`,
          headers: { authorization: `Bearer ${PROXY_KEY}` },
          pid: retouch.pid,
        };
        await warmUp(harness, target, body, { seconds: options.warmupSeconds ?? 8, concurrency: 16 });
        const runs: GcRun[] = [];
        for (let round = 0; round < rounds; round++) {
          await new Promise((resolve) => setTimeout(resolve, gapSeconds * 1000));
          const before = await counts();
          const run = await measure(harness, target, body, { total: requests, concurrency: 16 });
          const after = await counts();
          const served = run.result.samples.length;
          runs.push({
            cpuMsPerEdit: served > 0 ? run.proxyCpuMs / served : Number.NaN,
            rps: (served / run.result.wallMs) * 1000,
            scavenges: after.scavenges - before.scavenges,
            markCompacts: after.markCompacts - before.markCompacts,
          });
        }
        results.push({ variant: variant.name, runs });
        console.log(
          `  ${variant.name}: mark-compacts ${runs.map((r) => r.markCompacts).join('/')}, scavenges ${runs.map((r) => r.scavenges).join('/')}, CPU ms/edit ${runs.map((r) => r.cpuMsPerEdit.toFixed(2)).join('/')}`,
        );
      } finally {
        await retouch.stop();
      }
    }
    const stuckLimit = (STUCK_MARK_COMPACTS_PER_1000 * requests) / 1000;
    printTable(
      `GC modes: 614 KB edit at concurrency 16, ${processes} processes per variant (a process is stuck when its last run had ≥ ${stuckLimit} mark-compacts)`,
      [
        'variant',
        'stuck processes',
        'mark-compacts per run (median)',
        'CPU ms/edit (median of runs)',
        'CPU ms/edit, last runs',
      ],
      variants.map((variant) => {
        const mine = results.filter((r) => r.variant === variant.name);
        const all = mine.flatMap((r) => r.runs);
        const last = mine.map((r) => r.runs[r.runs.length - 1] as GcRun);
        return [
          variant.name,
          `${last.filter((r) => r.markCompacts >= stuckLimit).length} of ${mine.length}`,
          String(
            quantile(
              all.map((r) => r.markCompacts),
              0.5,
            ),
          ),
          quantile(
            all.map((r) => r.cpuMsPerEdit),
            0.5,
          ).toFixed(2),
          last.map((r) => r.cpuMsPerEdit.toFixed(2)).join(' / '),
        ];
      }),
    );
    if (options.out) {
      await writeFile(
        options.out,
        `${JSON.stringify({ date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), requests, gapSeconds, results }, null, 2)}\n`,
      );
    }
  } finally {
    await client.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
