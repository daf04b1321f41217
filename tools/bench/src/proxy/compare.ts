/**
 * `pnpm bench:proxy --compare <git ref>`: this checkout's retouch against another commit's, both
 * running at once and measured in alternating rounds. On a shared machine whose speed drifts by
 * more than the change being measured (this one moved 2× within an hour), two commits measured in
 * separate runs do not compare; two processes measured in the same minutes do.
 *
 * The other commit is checked out in a temporary git worktree, installed from the lockfile and its
 * proxy built there (about a minute), then removed. Both get the same config, upstream and load
 * client; each request (the 614 KB edit, the 10 KB JSON edit) is warmed up on both, then measured
 * `rounds` times at concurrency 16 (CPU per request from `/proc`, req/s) and at 1 (p50).
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { printTable } from '../stats.js';
import { type BenchServer, startLoadClient, startRetouch, startUpstream } from './processes.js';
import { PROXY_KEY, UPSTREAM_KEY, oneDeploymentConfig } from './protocol.js';
import { smallJsonEdit, twoImagesAndMask } from './requests.js';
import { type Harness, measure, quantile, type Target, warmUp } from './scenarios.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Options of {@link compareWithRef}. */
export interface CompareOptions {
  /** The commit, branch or tag to compare this checkout with. */
  ref: string;
  /** Alternating rounds per request. Defaults to 6. */
  rounds?: number;
  /** Requests per round at concurrency 16. Defaults to 2,000 (150 at concurrency 1). */
  requests?: number;
  /** Seconds of unmeasured load per build before each request's rounds. Defaults to 8. */
  warmupSeconds?: number;
  /** Where the JSON results go, if anywhere. */
  out?: string;
}

/** What one build did over the rounds of one request. */
interface Side {
  label: string;
  target: Target;
  cpuMs: number[];
  rps: number[];
  p50Ms: number[];
}

async function buildAt(ref: string, dir: string): Promise<{ cli: string; commit: string }> {
  const tree = join(dir, 'tree');
  const { stdout } = await run('git', ['-C', REPO, 'rev-parse', '--short', `${ref}^{commit}`]);
  const commit = stdout.trim();
  await run('git', ['-C', REPO, 'worktree', 'add', '--detach', tree, commit]);
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  console.log(`building ${ref} (${commit}) in ${tree} …`);
  await run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], {
    cwd: tree,
    env,
    maxBuffer: 1 << 26,
  });
  await run('pnpm', ['exec', 'nx', 'run', '@retouch/proxy:build', '--outputStyle=static'], {
    cwd: tree,
    env,
    maxBuffer: 1 << 26,
  });
  return { cli: join(tree, 'packages/proxy/dist/cli.js'), commit };
}

const median = (values: readonly number[]) => quantile(values, 0.5);
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * Measures this checkout's retouch against `ref`'s, interleaved, and prints a table per request.
 *
 * @example
 * ```ts
 * await compareWithRef({ ref: 'main~3', rounds: 6 });
 * ```
 */
export async function compareWithRef(options: CompareOptions): Promise<void> {
  const rounds = options.rounds ?? 6;
  const requests = options.requests ?? 2000;
  const warmupSeconds = options.warmupSeconds ?? 8;
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-compare-'));
  const servers: BenchServer[] = [];
  const upstream = await startUpstream();
  const client = await startLoadClient();
  const results: Record<string, unknown> = {};
  try {
    const base = await buildAt(options.ref, dir);
    const { stdout } = await run('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, oneDeploymentConfig(upstream.url));
    const start = async (label: string, cli?: string): Promise<Target> => {
      const server = await startRetouch(configFile, [], undefined, {}, cli);
      servers.push(server);
      return {
        name: label,
        url: `${server.url}/v1/images/edits`,
        headers: { authorization: `Bearer ${PROXY_KEY}` },
        pid: server.pid,
      };
    };
    const targets = [
      await start(`${options.ref} (${base.commit})`, base.cli),
      await start(`this checkout (${stdout.trim()})`),
    ];
    console.log(
      `compare: node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${rounds} rounds of ${requests} requests at 16 and 150 at 1`,
    );
    const harness: Harness = { client, upstream, budgetMs: 300_000, timeoutMs: 60_000 };
    for (const [name, made] of [
      ['edit', twoImagesAndMask()],
      ['json', smallJsonEdit()],
    ] as const) {
      const file = join(dir, `${name}.body`);
      await writeFile(file, made.body);
      const body = { label: made.label, file, bytes: made.body.length, contentType: made.type };
      const sides: Side[] = targets.map((target) => ({
        label: target.name,
        target,
        cpuMs: [],
        rps: [],
        p50Ms: [],
      }));
      for (const side of sides)
        await warmUp(harness, side.target, body, { seconds: warmupSeconds, concurrency: 16 });
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < sides.length; i++) {
          const side = sides[(i + round) % sides.length] as Side;
          const parallel = await measure(harness, side.target, body, { total: requests, concurrency: 16 });
          const served = parallel.result.samples.length;
          side.cpuMs.push(served > 0 ? parallel.proxyCpuMs / served : Number.NaN);
          side.rps.push(parallel.result.wallMs > 0 ? (served / parallel.result.wallMs) * 1000 : 0);
          const serial = await measure(harness, side.target, body, { total: 150, concurrency: 1 });
          side.p50Ms.push(quantile(serial.result.samples, 0.5));
        }
      }
      const [before, after] = sides as [Side, Side];
      printTable(
        `${made.label}: medians of ${rounds} alternating rounds (each round's in brackets)`,
        ['build', 'CPU ms/req @16', 'req/s @16', 'p50 ms @1'],
        sides.map((side) => [
          side.label,
          `${f(median(side.cpuMs))} (${side.cpuMs.map((v) => f(v)).join('/')})`,
          `${f(median(side.rps), 0)} (${side.rps.map((v) => f(v, 0)).join('/')})`,
          `${f(median(side.p50Ms))} (${side.p50Ms.map((v) => f(v)).join('/')})`,
        ]),
      );
      console.log(
        `  this checkout: ${f(median(after.cpuMs) / median(before.cpuMs))}× the CPU per request, ${f(median(after.rps) / median(before.rps))}× the req/s`,
      );
      results[name] = sides.map(({ label, cpuMs, rps, p50Ms }) => ({ label, cpuMs, rps, p50Ms }));
    }
    if (options.out)
      await writeFile(
        options.out,
        `${JSON.stringify({ ref: options.ref, base: base.commit, results }, null, 2)}\n`,
      );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await client.stop();
    await upstream.stop();
    await run('git', ['-C', REPO, 'worktree', 'remove', '--force', join(dir, 'tree')]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
