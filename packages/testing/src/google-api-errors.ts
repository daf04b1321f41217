/**
 * Google's error envelope, as the Gemini API and Vertex AI answer every failure:
 * `{ error: { code, message, status, details? } }` with the canonical `status` name of the HTTP code
 * (`INVALID_ARGUMENT`, `UNAUTHENTICATED`, `RESOURCE_EXHAUSTED`, …) and typed `details`
 * (`google.rpc.ErrorInfo`, `BadRequest`, `RetryInfo`).
 * @module
 */

/** One entry of `error.details`. */
export type GoogleErrorDetail = Record<string, unknown> & { '@type': string };

/** Google's error body. */
export interface GoogleErrorResponse {
  error: { code: number; message: string; status: string; details?: GoogleErrorDetail[] };
}

/** The canonical `status` of each HTTP code (google.rpc.Code). */
export const GOOGLE_STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A request a simulated Google API refuses; becomes Google's error body. */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: GoogleErrorDetail[],
    /** Overrides the canonical status name (`FAILED_PRECONDITION` on a 400). */
    readonly statusName?: string,
  ) {
    super(message);
    this.name = 'GoogleApiError';
  }
}

/**
 * Builds Google's error body.
 *
 * @example
 * ```ts
 * googleErrorBody(429, 'Resource has been exhausted (e.g. check quota).');
 * // { error: { code: 429, message: '…', status: 'RESOURCE_EXHAUSTED' } }
 * ```
 */
export function googleErrorBody(
  status: number,
  message: string,
  details?: GoogleErrorDetail[],
  statusName?: string,
): GoogleErrorResponse {
  const name = statusName ?? GOOGLE_STATUS_BY_HTTP[status] ?? (status >= 500 ? 'INTERNAL' : 'UNKNOWN');
  return { error: { code: status, message, status: name, ...(details ? { details } : {}) } };
}

/**
 * A `google.rpc.ErrorInfo` detail.
 *
 * @example
 * ```ts
 * errorInfo('API_KEY_INVALID', 'generativelanguage.googleapis.com');
 * ```
 */
export function errorInfo(reason: string, service: string): GoogleErrorDetail {
  return {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason,
    domain: 'googleapis.com',
    metadata: { service },
  };
}

/**
 * A 400 `INVALID_ARGUMENT` with a `google.rpc.BadRequest` field violation, the way proto-JSON
 * parsing failures are reported.
 *
 * @example
 * ```ts
 * throw invalidArgument('Invalid JSON payload received. Unknown name "foo": Cannot find field.', 'foo');
 * ```
 */
export function invalidArgument(message: string, field?: string): GoogleApiError {
  const details: GoogleErrorDetail[] | undefined =
    field === undefined
      ? undefined
      : [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field, description: message }],
          },
        ];
  return new GoogleApiError(400, message, details);
}

/**
 * A 429 quota error as the Gemini API sends it: no `Retry-After` header, the wait in a
 * `google.rpc.RetryInfo` detail. Use it as a fault body.
 *
 * @example
 * ```ts
 * sim.injectFault({ type: 'status', status: 429, body: googleQuotaErrorBody(37) });
 * ```
 */
export function googleQuotaErrorBody(retryDelaySeconds: number): GoogleErrorResponse {
  return googleErrorBody(
    429,
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` },
    ],
  );
}

/**
 * Turns a thrown `GoogleApiError` into a reply; rethrows anything else (the base simulator answers 500).
 *
 * @example
 * ```ts
 * try { … } catch (error) { return googleErrorReply(error); }
 * ```
 */
export function googleErrorReply(error: unknown): { status: number; json: GoogleErrorResponse } {
  if (!(error instanceof GoogleApiError)) throw error;
  return {
    status: error.status,
    json: googleErrorBody(error.status, error.message, error.details, error.statusName),
  };
}
