/**
 * `pnpm bench:proxy [--rounds N] [--quick] [--no-portkey] [--only edit,large,json,memory,stream] [--out file]`:
 * what retouch and the Portkey gateway cost beside a direct call (see `proxy/proxy-bench.ts`).
 * `pnpm bench:proxy --profile [--requests N] [--out file.cpuprofile]`: where retouch's CPU goes
 * (see `proxy/profile.ts`).
 * @module
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { profileRetouch } from './proxy/profile.js';
import { benchProxy } from './proxy/proxy-bench.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean' },
    'no-portkey': { type: 'boolean' },
    only: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean' },
    requests: { type: 'string' },
  },
});
// The whole run is bounded: a stuck target cannot keep it (or its children) alive.
const watchdog = setTimeout(() => {
  console.error('bench:proxy: still running after 20 minutes; stopping');
  process.exit(2);
}, 20 * 60_000);
watchdog.unref();
if (values.profile) {
  await profileRetouch({ requests: values.requests ? Number(values.requests) : undefined, out: values.out });
} else {
  await benchProxy({
    rounds: values.rounds ? Number(values.rounds) : undefined,
    quick: values.quick,
    noPortkey: values['no-portkey'],
    only: values.only?.split(',').map((s) => s.trim()),
    out: values.out ?? fileURLToPath(new URL('../results/proxy.json', import.meta.url)),
  });
}
