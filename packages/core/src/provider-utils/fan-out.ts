/**
 * `n` > 1 on providers that make one image per call: run `n` calls with bounded concurrency and
 * merge them into one result (images in order, usage and reported costs summed, warnings joined).
 * @module
 */
import { startDeadline } from '../deadline.js';
import type { ImageUsage, ProviderImageEditResult } from '../provider.js';

function addUsage(a: ImageUsage | undefined, b: ImageUsage | undefined): ImageUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  const add = (x?: number, y?: number) =>
    x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
  const details = (
    x?: { text_tokens?: number; image_tokens?: number },
    y?: { text_tokens?: number; image_tokens?: number },
  ) =>
    x || y
      ? {
          text_tokens: add(x?.text_tokens, y?.text_tokens),
          image_tokens: add(x?.image_tokens, y?.image_tokens),
        }
      : undefined;
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    input_tokens_details: details(a.input_tokens_details, b.input_tokens_details),
    output_tokens_details: details(a.output_tokens_details, b.output_tokens_details),
  };
}

/**
 * Merges several results of the same request into one.
 *
 * @example
 * ```ts
 * const merged = mergeResults([first, second]);
 * merged.images.length; // first.images.length + second.images.length
 * ```
 */
export function mergeResults(results: readonly ProviderImageEditResult[]): ProviderImageEditResult {
  const [first] = results;
  if (!first) return { images: [], warnings: [] };
  const costs = results.map((r) => r.providerCostUsd);
  return {
    images: results.flatMap((r) => r.images),
    usage: results.reduce<ImageUsage | undefined>((sum, r) => addUsage(sum, r.usage), undefined),
    // A total is only honest when every call reported its cost.
    providerCostUsd: costs.every((c) => c !== undefined)
      ? costs.reduce((s, c) => (s ?? 0) + (c ?? 0), 0)
      : undefined,
    warnings: [...new Set(results.flatMap((r) => r.warnings))],
    upstreamRequestId:
      results
        .map((r) => r.upstreamRequestId)
        .filter(Boolean)
        .join(',') || undefined,
    echo: first.echo,
    download: first.download,
  };
}

/**
 * The seed of the `index`-th call of a fan-out: `seed + index`, so that `n` > 1 with a `seed` gives
 * `n` different (and still reproducible) images instead of the same one `n` times. Wraps past
 * `max` back to `min`; `undefined` (no seed: the upstream picks one) stays `undefined`, and so does
 * the upstream's own "pick one at random" value when given as `random` (Stability's `0`).
 *
 * @example
 * ```ts
 * seedForCall(42, 0); // 42
 * seedForCall(42, 2); // 44
 * seedForCall(4294967294, 1, { max: 4294967294 }); // 0
 * seedForCall(0, 1, { min: 1, max: 4294967294, random: 0 }); // 0
 * ```
 */
export function seedForCall(
  seed: number | undefined,
  index: number,
  range: { min?: number; max?: number; random?: number } = {},
): number | undefined {
  if (seed === undefined || index === 0 || seed === range.random) return seed;
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const span = max - min + 1;
  const offset = (seed - min + index) % span;
  // Adding `span` only when negative: near 2^53 the sum would lose the low bits.
  return min + (offset < 0 ? offset + span : offset);
}

/**
 * Runs `call` `n` times with at most `concurrency` in flight and merges the results. The first
 * failure aborts the calls still running (through `signal`) and is rethrown; nothing is half-returned.
 *
 * @example
 * ```ts
 * const result = await fanOut(request.n, 4, options.signal, (signal) => oneCall(request, signal));
 * ```
 */
export async function fanOut(
  n: number,
  concurrency: number,
  signal: AbortSignal,
  call: (signal: AbortSignal, index: number) => Promise<ProviderImageEditResult>,
): Promise<ProviderImageEditResult> {
  if (n <= 1) return call(signal, 0);
  const controller = new AbortController();
  // Not `AbortSignal.any`: GC may collect its signal mid-call on Node 20.
  const linked = startDeadline({ signals: [signal, controller.signal] });
  const combined = linked.signal;
  const results: ProviderImageEditResult[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const index = next++;
      try {
        results[index] = await call(combined, index);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(n, Math.max(1, concurrency)) }, worker);
  const settled = await Promise.allSettled(workers);
  linked.dispose();
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return mergeResults(results);
}
