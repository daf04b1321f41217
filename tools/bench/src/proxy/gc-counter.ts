/**
 * Preloaded into a retouch process by `pnpm bench:proxy --gc-modes` (`node --import …`): counts
 * the process's garbage collections by kind and writes the totals to the file named by
 * `RETOUCH_BENCH_GC_FILE` every 200 ms, so that the bench can read them around each run.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** The totals written. */
export interface GcCounts {
  scavenges: number;
  markCompacts: number;
}

const file = process.env.RETOUCH_BENCH_GC_FILE;
if (file) {
  const counts: GcCounts = { scavenges: 0, markCompacts: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.scavenges++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.markCompacts++;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => writeFileSync(file, JSON.stringify(counts)), 200).unref();
}
