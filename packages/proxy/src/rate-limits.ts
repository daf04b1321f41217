/**
 * A key's `rpm_limit` and `tpm_limit`, counted in fixed one-minute windows in the router's state:
 * in memory for one proxy, in Redis (`router_settings.redis_host` / `redis_url`) for all of them.
 * rpm counts every edit request the key sends. tpm counts the tokens providers report after each
 * call (OpenAI's gpt-image and Gemini report them; per-image providers report none, so tpm does not
 * limit them); a request is refused once the key's reported tokens this minute reach its limit.
 * @module
 */
import { RateLimitError } from '@retouch/core';
import type { Router } from '@retouch/router';
import type { Caller } from './auth.js';

const refuse = (caller: Caller, what: string, limit: number, resetAt: number) => {
  const retryAfterMs = Math.max(0, resetAt - Date.now());
  return new RateLimitError({
    message: `Rate limit reached for key ${caller.alias}: ${limit} ${what} per minute. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
    code: 'rate_limit_exceeded',
    retryAfterMs,
  });
};

/**
 * Refuses (429 with `retry-after`) a request over the key's tpm or rpm limit, and counts it.
 *
 * @example
 * ```ts
 * await checkRateLimits(router, caller); // once per edit request
 * ```
 */
export async function checkRateLimits(router: Router, caller: Caller): Promise<void> {
  if (caller.keyHash === undefined) return;
  if (caller.tpmLimit !== undefined) {
    const tokens = await router.countInWindow(`tpm:${caller.keyHash}`, 0, caller.tpmLimit);
    if (!tokens.ok) throw refuse(caller, 'tokens', caller.tpmLimit, tokens.resetAt);
  }
  if (caller.rpmLimit !== undefined) {
    const requests = await router.countInWindow(`rpm:${caller.keyHash}`, 1, caller.rpmLimit);
    if (!requests.ok) throw refuse(caller, 'requests', caller.rpmLimit, requests.resetAt);
  }
}

/**
 * Counts the tokens a call's provider reported against the key's tpm window (never awaited).
 *
 * @example
 * ```ts
 * countTokens(router, caller, response.usage);
 * ```
 */
export function countTokens(
  router: Router,
  caller: Caller,
  usage: Record<string, unknown> | undefined,
): void {
  const total = usage?.total_tokens;
  if (
    caller.tpmLimit === undefined ||
    caller.keyHash === undefined ||
    typeof total !== 'number' ||
    total <= 0
  )
    return;
  router.countInWindow(`tpm:${caller.keyHash}`, total, Number.POSITIVE_INFINITY).catch(() => {});
}
