/**
 * OpenAI `size` (`WxH`) → the nearest aspect ratio a provider supports (`16:9`, `3:2`, …).
 * @module
 */

/**
 * Parses `WxH`; `undefined` for `auto` or anything else.
 *
 * @example
 * ```ts
 * parseSize('1536x1024'); // { width: 1536, height: 1024 }
 * ```
 */
export function parseSize(size: string | undefined): { width: number; height: number } | undefined {
  const match = size ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function ratioOf(aspect: string): number {
  const [w, h] = aspect.split(':').map(Number);
  return (w ?? 1) / (h ?? 1);
}

/**
 * The supported aspect ratio closest to `size` (compared on a log scale, so 2:1 and 1:2 are as far
 * from 1:1). `undefined` for `auto` or no size, meaning "let the provider decide".
 *
 * @example
 * ```ts
 * nearestAspectRatio('1792x1024', ['1:1', '3:2', '2:3', '16:9', '9:16']); // '16:9'
 * nearestAspectRatio('1536x1024', ['1:1', '3:2', '2:3']); // '3:2'
 * nearestAspectRatio('auto', ['1:1']); // undefined
 * ```
 */
export function nearestAspectRatio(
  size: string | undefined,
  supported: readonly string[],
): string | undefined {
  const parsed = parseSize(size);
  if (!parsed || supported.length === 0) return undefined;
  const target = Math.log(parsed.width / parsed.height);
  let best = supported[0] as string;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const aspect of supported) {
    const distance = Math.abs(Math.log(ratioOf(aspect)) - target);
    if (distance < bestDistance) {
      best = aspect;
      bestDistance = distance;
    }
  }
  return best;
}
