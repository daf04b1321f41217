/**
 * Giving memory back once a burst is over. V8 collects when it allocates, not when it idles: after
 * a burst of large uploads the proxy goes quiet with the uploads' socket buffers still allocated
 * (hundreds of MiB after 16 × 16 MB), and they stay so until the next request. So once no request
 * has been in flight for a while after memory grew, the proxy runs one full collection.
 * @module
 */
import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_IDLE_MEMORY_RELEASE_MS } from './config/proxy-config.js';

const MIB = 1024 * 1024;

/**
 * How much V8's heap and the array buffers (uploads, socket reads) must have grown since the last
 * collection before an idle proxy runs one: an idle proxy whose memory did not grow never
 * collects, and one that did collects once, not in a loop.
 */
export const IDLE_MEMORY_GROWTH_BYTES = 32 * MIB;

/** What one release freed, for the debug log line. */
export interface MemoryRelease {
  /** `heapUsed + arrayBuffers` before and after the collection, in bytes. */
  beforeBytes: number;
  afterBytes: number;
  /** How long the collection took, in ms. */
  ms: number;
}

/** Options of {@link releaseMemoryWhenIdle}. */
export interface IdleMemoryOptions {
  /** Idle time before the collection, in ms; `0` turns it off. Defaults to {@link DEFAULT_IDLE_MEMORY_RELEASE_MS} (2000). */
  idleMs?: number;
  /** Growth that makes an idle proxy collect, in bytes. Defaults to {@link IDLE_MEMORY_GROWTH_BYTES}. */
  growthBytes?: number;
  /** Whether work is still going on without a request (an edit whose client left). Defaults to never. */
  busy?: () => boolean;
  /** The memory compared against the last release, in bytes. Defaults to `heapUsed + arrayBuffers`. */
  usedBytes?: () => number;
  /** The full collection. Defaults to V8's `gc()` (no `--expose-gc` needed). */
  collect?: () => void;
  /** Called after each release. */
  onRelease?: (release: MemoryRelease) => void;
}

/** A running {@link releaseMemoryWhenIdle}. */
export interface IdleMemoryRelease {
  /** Collections run so far. */
  readonly releases: number;
  /** Stops watching; a pending release is cancelled. */
  close(): void;
}

const usedBytes = () => {
  const usage = process.memoryUsage();
  // arrayBuffers drops as soon as a collection frees the buffers (external lags behind it).
  return usage.heapUsed + usage.arrayBuffers;
};

let exposedGc: (() => void) | undefined;

/**
 * V8's `gc()`: the global one under `node --expose-gc`, else taken once from a fresh context
 * created with the flag on (the flag is turned off again, so no other context gets a `gc`).
 *
 * @example
 * ```ts
 * fullGc()(); // a full mark-compact
 * ```
 */
export function fullGc(): () => void {
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === 'function') return global;
  if (!exposedGc) {
    setFlagsFromString('--expose-gc');
    try {
      exposedGc = runInNewContext('gc') as () => void;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return exposedGc;
}

/**
 * Watches `server`'s requests; once none has been in flight for `idleMs` and memory grew by
 * `growthBytes` since the last release, runs one full collection. The timer never keeps the
 * process alive, and nothing runs while a request is in flight.
 *
 * @example
 * ```ts
 * const idle = releaseMemoryWhenIdle(app.server, { idleMs: 2000 });
 * // on shutdown:
 * idle.close();
 * ```
 */
export function releaseMemoryWhenIdle(server: Server, options: IdleMemoryOptions = {}): IdleMemoryRelease {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MEMORY_RELEASE_MS;
  const growth = options.growthBytes ?? IDLE_MEMORY_GROWTH_BYTES;
  const used = options.usedBytes ?? usedBytes;
  let inFlight = 0;
  let releases = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = idleMs <= 0;
  let baseline = closed ? 0 : used();

  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const release = () => {
    timer = undefined;
    if (closed || inFlight > 0) return;
    // Work without a request (an edit whose client left) ends without a request ending: look again later.
    if (options.busy?.()) return arm();
    const before = used();
    if (before - baseline < growth) {
      // Memory fell back by itself (V8 collected during the burst): this is the new floor.
      baseline = Math.min(baseline, before);
      return;
    }
    const started = performance.now();
    (options.collect ?? fullGc())();
    const ms = performance.now() - started;
    releases += 1;
    baseline = used();
    options.onRelease?.({ beforeBytes: before, afterBytes: baseline, ms });
  };
  const arm = () => {
    cancel();
    timer = setTimeout(release, idleMs);
    timer.unref();
  };
  const onRequest = (
    _request: unknown,
    response: { once(event: 'close', listener: () => void): unknown },
  ) => {
    inFlight += 1;
    cancel();
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && !closed) arm();
    });
  };
  if (!closed) server.on('request', onRequest);
  return {
    get releases() {
      return releases;
    },
    close() {
      closed = true;
      cancel();
      server.off('request', onRequest);
    },
  };
}
