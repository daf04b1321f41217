/**
 * The startup hint about V8's young generation (proxy README, "CPU under sustained load"): from
 * V8's default 1 MiB semi-spaces, and after they shrink while idle, a burst of uploads can leave
 * the process freeing them by mark-compacts at up to twice the CPU per edit.
 * @module
 */

/** The semi-space size the README recommends, in MiB: `node --min-semi-space-size=16`. */
export const RECOMMENDED_MIN_SEMI_SPACE_MIB = 16;

/** Node takes the flag only as `--flag=N`, with dashes or underscores. */
const FLAG = /^--min[-_]semi[-_]space[-_]size=(\d+)$/;

/** The `--min-semi-space-size` this process was started with, in MiB (`undefined` without one). */
function minSemiSpaceMiB(execArgv: readonly string[]): number | undefined {
  for (const arg of execArgv) {
    const match = FLAG.exec(arg);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/**
 * The line `retouch` prints at startup when Node was started without the recommended
 * `--min-semi-space-size` (or with a smaller one); `undefined` when it has it.
 *
 * @example
 * ```ts
 * youngGenerationHint(['--min-semi-space-size=16']); // undefined
 * youngGenerationHint([]); // 'retouch: tip: under sustained load start node with --min-semi-space-size=16 …'
 * ```
 */
export function youngGenerationHint(execArgv: readonly string[] = process.execArgv): string | undefined {
  const given = minSemiSpaceMiB(execArgv);
  if (given !== undefined && given >= RECOMMENDED_MIN_SEMI_SPACE_MIB) return undefined;
  return `retouch: tip: under sustained load start node with --min-semi-space-size=${RECOMMENDED_MIN_SEMI_SPACE_MIB} (it halved the CPU per edit after idle periods in the bench; @retouch/proxy README, "CPU under sustained load"; NODE_OPTIONS does not take it)`;
}
