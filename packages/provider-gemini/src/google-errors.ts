/**
 * Google's error envelope (`{ error: { code, message, status, details[] } }`), read into core's
 * terms, and the failures that need more than the default status mapping: an invalid API key (a
 * 400 `API_KEY_INVALID` on the Gemini API) and 429s whose wait is in `google.rpc.RetryInfo`.
 * Shared by the Gemini API and Vertex AI.
 * @module
 */
import {
  AuthenticationError,
  errorFromFailure,
  type RetouchError,
  type UpstreamErrorDetails,
  type UpstreamFailure,
} from '@retouch/core';

interface GoogleErrorDetail {
  '@type'?: string;
  reason?: string;
  retryDelay?: string;
  fieldViolations?: { field?: string; description?: string }[];
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: GoogleErrorDetail[] };
}

function detailsOf(body: unknown): GoogleErrorDetail[] {
  const details = (body as GoogleErrorBody | undefined)?.error?.details;
  return Array.isArray(details) ? details.filter((d) => d && typeof d === 'object') : [];
}

/**
 * The `google.rpc.ErrorInfo` reason (`API_KEY_INVALID`, `SERVICE_DISABLED`, …), if any.
 *
 * @example
 * ```ts
 * googleErrorReason({ error: { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } }); // 'API_KEY_INVALID'
 * ```
 */
export function googleErrorReason(body: unknown): string | undefined {
  return detailsOf(body).find((detail) => typeof detail.reason === 'string')?.reason;
}

/**
 * The wait of a `google.rpc.RetryInfo` detail (`"37s"`, `"1.5s"`), in milliseconds.
 *
 * @example
 * ```ts
 * googleRetryDelayMs({ error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }] } }); // 37000
 * ```
 */
export function googleRetryDelayMs(body: unknown): number | undefined {
  const delay = detailsOf(body).find((detail) => typeof detail.retryDelay === 'string')?.retryDelay;
  const match = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/**
 * Reads Google's error envelope: the message, `status` (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, …)
 * as the code, and the first field violation as the param.
 *
 * @example
 * ```ts
 * parseGoogleError({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }, '');
 * // { message: 'Quota exceeded', code: 'RESOURCE_EXHAUSTED', param: undefined }
 * ```
 */
export function parseGoogleError(body: unknown, text: string): UpstreamErrorDetails | undefined {
  const error = (body as GoogleErrorBody | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const field = detailsOf(body).flatMap((detail) => detail.fieldViolations ?? [])[0]?.field;
  return {
    message: typeof error.message === 'string' ? error.message : text.slice(0, 500) || undefined,
    code: typeof error.status === 'string' ? error.status : undefined,
    param: typeof field === 'string' ? field : undefined,
  };
}

/** Settings of {@link createGoogleErrorClassifier}. */
export interface GoogleErrorClassifierSettings {
  /** Said after an authentication failure, e.g. `Check GEMINI_API_KEY.` */
  authHint: string;
  /** Secret values to scrub (the API key, the access token). */
  secrets: () => readonly (string | undefined)[];
  /** A provider-specific rule tried first (Imagen's safety refusals). */
  classify?: (
    failure: UpstreamFailure,
    ref: { provider: string; model?: string },
  ) => RetouchError | undefined;
}

const INVALID_KEY_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);

/**
 * The `classifyError` for `createProviderHttp` on Google APIs: an invalid or expired API key (which
 * the Gemini API answers with 400) is an `AuthenticationError`, and a 429 without `Retry-After`
 * takes its wait from `RetryInfo.retryDelay`. Everything else keeps the default mapping.
 *
 * @example
 * ```ts
 * const http = createProviderHttp({ ..., parseError: parseGoogleError, classifyError: createGoogleErrorClassifier({ authHint, secrets }) });
 * ```
 */
export function createGoogleErrorClassifier(
  settings: GoogleErrorClassifierSettings,
): (failure: UpstreamFailure, ref: { provider: string; model?: string }) => RetouchError | undefined {
  return (failure, ref) => {
    const specific = settings.classify?.(failure, ref);
    if (specific) return specific;
    const reason = googleErrorReason(failure.body);
    if (reason && INVALID_KEY_REASONS.has(reason)) {
      return new AuthenticationError({
        message: `${ref.provider} rejected the credential (${reason}): ${failure.details.message ?? 'invalid API key'} ${settings.authHint}`,
        code: reason,
        upstreamBody: failure.text,
        upstreamRequestId: failure.requestId,
        secrets: settings.secrets(),
        ...ref,
      });
    }
    if (failure.status === 429 && failure.retryAfterMs === undefined) {
      const retryAfterMs = googleRetryDelayMs(failure.body);
      if (retryAfterMs !== undefined) return errorFromFailure({ ...failure, retryAfterMs }, ref, settings);
    }
    return undefined;
  };
}
