/**
 * `pnpm bench:proxy [--rounds N] [--warmup S] [--quick] [--no-portkey] [--no-store] [--no-floor] [--no-young] [--only edit,large,json,memory,stream] [--out file]`:
 * what retouch and the Portkey gateway cost beside a direct call (see `proxy/proxy-bench.ts`).
 * `pnpm bench:proxy --profile [--request edit|json|large] [--store] [--requests N] [--warmup S] [--out file.cpuprofile]`: where retouch's CPU goes
 * (see `proxy/profile.ts`). `pnpm bench:proxy --clients [--requests N] [--rounds N]`: the upstream
 * HTTP client candidates side by side (see `proxy/upstream-clients.ts`). `pnpm bench:proxy --compare
 * <git ref> [--rounds N] [--requests N] [--warmup S] [--out file]`: this checkout's retouch against
 * another commit's, interleaved (see `proxy/compare.ts`). `pnpm bench:proxy --phases [--requests N]
 * [--warmup S]`: one edit's time split at the upstream, direct vs the node floor vs retouch (see
 * `proxy/phases.ts`). `pnpm bench:proxy --gc-modes [--processes N] [--rounds N] [--requests N] [--warmup S]
 * [--gap S] [--out file]`: how retouch's GC settles under load, with and without `--min-semi-space-size=16` (see
 * `proxy/gc-modes.ts`).
 * @module
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compareWithRef } from './proxy/compare.js';
import { benchGcModes } from './proxy/gc-modes.js';
import { benchPhases } from './proxy/phases.js';
import { profileRetouch } from './proxy/profile.js';
import { benchProxy } from './proxy/proxy-bench.js';
import { benchUpstreamClients } from './proxy/upstream-clients.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    quick: { type: 'boolean' },
    'no-portkey': { type: 'boolean' },
    'no-store': { type: 'boolean' },
    'no-floor': { type: 'boolean' },
    'no-young': { type: 'boolean' },
    only: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean' },
    clients: { type: 'boolean' },
    requests: { type: 'string' },
    request: { type: 'string' },
    store: { type: 'boolean' },
    compare: { type: 'string' },
    phases: { type: 'boolean' },
    'gc-modes': { type: 'boolean' },
    processes: { type: 'string' },
    gap: { type: 'string' },
  },
});
// The whole run is bounded: a stuck target cannot keep it (or its children) alive.
const watchdog = setTimeout(() => {
  console.error('bench:proxy: still running after 20 minutes; stopping');
  process.exit(2);
}, 20 * 60_000);
watchdog.unref();
if (values.compare !== undefined) {
  await compareWithRef({
    ref: values.compare,
    rounds: values.rounds ? Number(values.rounds) : undefined,
    requests: values.requests ? Number(values.requests) : undefined,
    warmupSeconds: values.warmup ? Number(values.warmup) : undefined,
    out: values.out,
  });
} else if (values['gc-modes']) {
  await benchGcModes({
    processes: values.processes ? Number(values.processes) : undefined,
    gapSeconds: values.gap ? Number(values.gap) : undefined,
    rounds: values.rounds ? Number(values.rounds) : undefined,
    requests: values.requests ? Number(values.requests) : undefined,
    warmupSeconds: values.warmup ? Number(values.warmup) : undefined,
    out: values.out,
  });
} else if (values.phases) {
  await benchPhases({
    requests: values.requests ? Number(values.requests) : undefined,
    warmupSeconds: values.warmup ? Number(values.warmup) : undefined,
  });
} else if (values.clients) {
  await benchUpstreamClients({
    requests: values.requests ? Number(values.requests) : undefined,
    rounds: values.rounds ? Number(values.rounds) : undefined,
  });
} else if (values.profile) {
  if (values.request !== undefined && !['edit', 'json', 'large'].includes(values.request)) {
    throw new Error(
      `--request ${values.request}: use edit (the 615 KB multipart), json (the 10 KB JSON edit) or large (20 MB)`,
    );
  }
  await profileRetouch({
    requests: values.requests ? Number(values.requests) : undefined,
    out: values.out,
    request: values.request as 'edit' | 'json' | 'large' | undefined,
    store: values.store,
    warmupSeconds: values.warmup ? Number(values.warmup) : undefined,
  });
} else {
  await benchProxy({
    rounds: values.rounds ? Number(values.rounds) : undefined,
    quick: values.quick,
    noPortkey: values['no-portkey'],
    noStore: values['no-store'],
    noFloor: values['no-floor'],
    noYoung: values['no-young'],
    warmupSeconds: values.warmup ? Number(values.warmup) : undefined,
    only: values.only?.split(',').map((s) => s.trim()),
    out: values.out ?? fileURLToPath(new URL('../results/proxy.json', import.meta.url)),
  });
}
