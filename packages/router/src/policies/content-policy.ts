/**
 * Which errors are refusals by a provider's safety system. They go to `content_policy_fallbacks`
 * only, are never retried, and never cool a deployment down.
 * @module
 */
import { ContentPolicyViolationError, type RetouchError } from '@retouch/core';

/**
 * The codes a refusal carries: core's own, and the providers' codes it keeps for clients that branch
 * on them (OpenAI's `moderation_blocked` and `image_content_policy_violation`).
 */
const CONTENT_POLICY_CODES: ReadonlySet<string> = new Set([
  'content_policy_violation',
  'moderation_blocked',
  'image_content_policy_violation',
]);

/**
 * Whether `error` is a content-policy refusal: a `ContentPolicyViolationError`, or an error from
 * another copy of core (where `instanceof` fails) that carries a refusal code.
 *
 * @example
 * ```ts
 * isContentPolicyError(new ContentPolicyViolationError({ message: 'refused', code: 'moderation_blocked' })); // true
 * isContentPolicyError(new BadRequestError({ message: 'no prompt' })); // false
 * ```
 */
export function isContentPolicyError(error: RetouchError): boolean {
  if (error instanceof ContentPolicyViolationError) return true;
  return error.code !== undefined && error.code !== null && CONTENT_POLICY_CODES.has(error.code);
}
