/**
 * Bedrock Runtime's errors: the exception name comes in `x-amzn-ErrorType`
 * (`ThrottlingException:http://internal.amazon.com/coral/…`), the message in `{message}` (`{Message}`
 * from the API-key front end). Each `InvokeModel` exception maps to its `RetouchError`; failed
 * signatures and unknown keys are `AuthenticationError`s, not permission errors.
 * @module
 */
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type RetouchError,
  type RetouchErrorOptions,
  ServiceUnavailableError,
  TimeoutError,
  type UpstreamErrorDetails,
  type UpstreamFailure,
} from '@retouch/core';

/** Exception names of a rejected credential or signature. */
const AUTH_EXCEPTIONS = new Set([
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

const AUTH_MESSAGES =
  /authentication failed|security token included in the request is invalid|signature we calculated does not match|signature expired/i;

/**
 * Reads `{message}` or `{Message}`.
 *
 * @example
 * ```ts
 * parseBedrockError({ message: 'Too many requests' }, ''); // { message: 'Too many requests' }
 * ```
 */
export function parseBedrockError(body: unknown, text: string): UpstreamErrorDetails {
  if (body && typeof body === 'object') {
    const record = body as { message?: unknown; Message?: unknown };
    const message = record.message ?? record.Message;
    if (typeof message === 'string') return { message };
  }
  return { message: text.trim().slice(0, 500) || undefined };
}

/**
 * The exception name of a failure, from `x-amzn-ErrorType` (or a `__type` in the body).
 *
 * @example
 * ```ts
 * bedrockExceptionOf(failure); // 'ThrottlingException' for 'ThrottlingException:http://internal.amazon.com/coral/…'
 * ```
 */
export function bedrockExceptionOf(failure: UpstreamFailure): string | undefined {
  const raw =
    failure.headers.get('x-amzn-errortype') ?? (failure.body as { __type?: unknown } | undefined)?.__type;
  if (typeof raw !== 'string') return undefined;
  // `Name:http://internal.amazon.com/coral/…` in the header, `namespace#Name` in a body.
  const name = raw.split(':')[0] as string;
  return name.slice(name.lastIndexOf('#') + 1) || undefined;
}

/**
 * The error for a Bedrock failure, or `undefined` for the default status mapping.
 *
 * @example
 * ```ts
 * const http = createProviderHttp({ provider: 'bedrock', classifyError: (f, ref) => classifyBedrockError(f, ref, []), … });
 * ```
 */
export function classifyBedrockError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
  secrets: readonly (string | undefined)[],
): RetouchError | undefined {
  const type = bedrockExceptionOf(failure);
  // AWS appends the canonical request to signature errors: keep it in upstreamBody, not the message.
  const said = (failure.details.message ?? `HTTP ${failure.status}`).split('\n')[0];
  const options: RetouchErrorOptions = {
    ...ref,
    message: `bedrock returned ${failure.status}${type ? ` ${type}` : ''}: ${said}`,
    code: type,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
    secrets,
  };
  const hint = (text: string) => ({ ...options, message: `${options.message} ${text}` });
  if ((type && AUTH_EXCEPTIONS.has(type)) || (failure.status === 403 && AUTH_MESSAGES.test(said ?? ''))) {
    return new AuthenticationError(
      hint(
        'Check the AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) or the Bedrock API key (AWS_BEARER_TOKEN_BEDROCK), and the region.',
      ),
    );
  }
  switch (type) {
    case 'ValidationException':
      return new BadRequestError(options);
    case 'AccessDeniedException':
      return new PermissionDeniedError(
        hint(
          'Check that the identity may call bedrock:InvokeModel on this model and that access to the Stability models is enabled in this region.',
        ),
      );
    case 'ResourceNotFoundException':
      return new NotFoundError(options);
    case 'ModelTimeoutException':
      return new TimeoutError(options);
    case 'ModelErrorException':
      return new BadGatewayError(options);
    case 'ThrottlingException':
    case 'ModelNotReadyException':
    case 'ServiceQuotaExceededException':
      return new RateLimitError({ ...options, retryAfterMs: failure.retryAfterMs });
    case 'InternalServerException':
      return new InternalServerError(options);
    case 'ServiceUnavailableException':
      return new ServiceUnavailableError(options);
    default:
      return undefined;
  }
}
