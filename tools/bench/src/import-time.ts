/**
 * Cold import time of core + router + one provider: a fresh `node` process per sample imports
 * `@retouch/core`, `@retouch/router` and `@retouch/provider-openai` (their built `dist`), timed
 * inside the process; the whole process's wall time is shown beside that of an empty `node`.
 * @module
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ms, printTable, summarize } from './stats.js';

const SCRIPT = `
const t0 = performance.now();
await import('@retouch/core');
await import('@retouch/router');
await import('@retouch/provider-openai');
process.stdout.write(String(performance.now() - t0));
`;

function node(script: string): Promise<{ importMs: number; processMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      // From the bench package, so that its workspace dependencies resolve.
      { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 60_000 },
      (error, stdout) =>
        error
          ? reject(error)
          : resolve({ importMs: Number(stdout) || 0, processMs: performance.now() - started }),
    );
  });
}

/**
 * Runs the import-time benchmark and prints its table.
 *
 * @example
 * ```ts
 * await benchImportTime(); // prints the cold import table
 * ```
 */
export async function benchImportTime(samples = 9): Promise<void> {
  const imports: number[] = [];
  const processes: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < samples; i++) {
    const run = await node(SCRIPT);
    imports.push(run.importMs);
    processes.push(run.processMs);
    empty.push((await node('')).processMs);
  }
  const i = summarize(imports);
  const p = summarize(processes);
  const e = summarize(empty);
  printTable(
    `Cold import of @retouch/core + @retouch/router + @retouch/provider-openai (${samples} fresh processes, ms)`,
    ['measure', 'p50', 'max'],
    [
      ['import() inside the process', ms(i.p50), ms(Math.max(...imports))],
      ['whole process (node + imports)', ms(p.p50), ms(Math.max(...processes))],
      ['empty node process', ms(e.p50), ms(Math.max(...empty))],
    ],
  );
}
