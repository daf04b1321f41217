import { describe, expect, it } from '@jest/globals';
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  errorClassForStatus,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RetouchError,
  ServiceUnavailableError,
  TimeoutError,
  toRetouchError,
  UnsupportedParamsError,
} from './errors.js';

type Ctor = new (options: { message: string }) => RetouchError;

const table: [Ctor, number, string, string | null, boolean][] = [
  [BadRequestError, 400, 'invalid_request_error', null, false],
  [UnsupportedParamsError, 400, 'invalid_request_error', 'unsupported_parameter', false],
  [ContentPolicyViolationError, 400, 'invalid_request_error', 'content_policy_violation', false],
  [AuthenticationError, 401, 'authentication_error', null, false],
  [PermissionDeniedError, 403, 'permission_error', null, false],
  [NotFoundError, 404, 'not_found_error', null, false],
  [TimeoutError, 408, 'timeout_error', null, true],
  [RateLimitError, 429, 'rate_limit_error', null, true],
  [InternalServerError, 500, 'server_error', null, true],
  [BadGatewayError, 502, 'server_error', null, true],
  [ServiceUnavailableError, 503, 'server_error', null, true],
  [APIConnectionError, 502, 'api_connection_error', null, true],
  [APIUserAbortError, 499, 'request_aborted', null, false],
];

describe('RetouchError classes', () => {
  it.each(table)('%p has its status, type, code and retryability', (Class, status, type, code, retryable) => {
    const error = new Class({ message: 'boom' });
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(RetouchError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(Class.name);
    expect(error.status).toBe(status);
    expect(error.type).toBe(type);
    expect(error.code).toBe(code);
    expect(error.param).toBeNull();
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toBe('boom');
  });

  it('keeps subclass relationships of the 400 family', () => {
    expect(new UnsupportedParamsError({ message: 'x' })).toBeInstanceOf(BadRequestError);
    expect(new ContentPolicyViolationError({ message: 'x' })).toBeInstanceOf(BadRequestError);
    expect(new RateLimitError({ message: 'x' })).not.toBeInstanceOf(BadRequestError);
  });

  it('takes status, param, code, provider, model, request id, retryability and cause from options', () => {
    const cause = new Error('root');
    const error = new BadRequestError({
      message: 'too big',
      status: 413,
      param: 'image',
      code: 'image_file_too_large',
      provider: 'openai',
      model: 'gpt-image-1',
      upstreamRequestId: 'req_1',
      isRetryable: true,
      cause,
    });
    expect(error.status).toBe(413);
    expect(error.param).toBe('image');
    expect(error.code).toBe('image_file_too_large');
    expect(error.provider).toBe('openai');
    expect(error.model).toBe('gpt-image-1');
    expect(error.upstreamRequestId).toBe('req_1');
    expect(error.isRetryable).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it('lets a caller give its own code to the coded subclasses, and keeps the default when it is undefined', () => {
    expect(new ContentPolicyViolationError({ message: 'x', code: 'moderation_blocked' }).code).toBe(
      'moderation_blocked',
    );
    expect(new ContentPolicyViolationError({ message: 'x', code: undefined }).code).toBe(
      'content_policy_violation',
    );
    expect(new UnsupportedParamsError({ message: 'x', code: undefined }).code).toBe('unsupported_parameter');
  });

  it('carries retryAfterMs on RateLimitError', () => {
    expect(new RateLimitError({ message: 'slow', retryAfterMs: 1500 }).retryAfterMs).toBe(1500);
    expect(new RateLimitError({ message: 'slow' }).retryAfterMs).toBeUndefined();
  });

  it('serialises to exactly OpenAI error body', () => {
    const error = new UnsupportedParamsError({
      message: 'mask: not supported',
      param: 'mask',
      provider: 'gemini',
      model: 'm',
      upstreamBody: 'secret stuff',
    });
    expect(error.toJSON()).toStrictEqual({
      error: {
        message: 'mask: not supported',
        type: 'invalid_request_error',
        param: 'mask',
        code: 'unsupported_parameter',
      },
    });
    expect(JSON.parse(JSON.stringify(error))).toStrictEqual(error.toJSON());
  });

  it('redacts secrets in the message and upstream body at construction', () => {
    const error = new AuthenticationError({
      message: 'Incorrect API key provided: sk-live1234567890. Also mykey-zzz.',
      upstreamBody: '{"error":{"message":"bad key sk-live1234567890","key":"mykey-zzz"}}',
      secrets: ['mykey-zzz'],
    });
    expect(error.message).toBe('Incorrect API key provided: sk-[REDACTED]. Also [REDACTED].');
    expect(error.upstreamBody).not.toContain('sk-live1234567890');
    expect(error.upstreamBody).not.toContain('mykey-zzz');
    expect(JSON.stringify(error.toJSON())).not.toContain('live1234567890');
  });

  it('truncates a long upstream body', () => {
    const error = new InternalServerError({ message: 'x', upstreamBody: 'z '.repeat(5000) });
    expect(error.upstreamBody?.length).toBeLessThan(2100);
    expect(error.upstreamBody).toMatch(/truncated \d+ chars\]$/);
    expect(new InternalServerError({ message: 'x' }).upstreamBody).toBeUndefined();
  });

  it('isInstance recognises RetouchErrors, including copies from another package instance', () => {
    expect(RetouchError.isInstance(new NotFoundError({ message: 'x' }))).toBe(true);
    expect(RetouchError.isInstance(new Error('x'))).toBe(false);
    expect(RetouchError.isInstance(null)).toBe(false);
    expect(RetouchError.isInstance('error')).toBe(false);
    expect(RetouchError.isInstance({ status: 400, message: 'x' })).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('retouch.error')]: true });
    expect(RetouchError.isInstance(foreign)).toBe(true);
  });
});

describe('errorClassForStatus', () => {
  it.each([
    [400, BadRequestError],
    [409, BadRequestError],
    [413, BadRequestError],
    [422, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [408, TimeoutError],
    [429, RateLimitError],
    [500, InternalServerError],
    [501, InternalServerError],
    [502, BadGatewayError],
    [503, ServiceUnavailableError],
    [529, ServiceUnavailableError],
    [504, InternalServerError],
  ])('%i → %p', (status, Class) => {
    expect(errorClassForStatus(status)).toBe(Class);
  });
});

describe('toRetouchError', () => {
  it('returns a RetouchError unchanged', () => {
    const error = new RateLimitError({ message: 'x' });
    expect(toRetouchError(error, { provider: 'p' })).toBe(error);
  });

  it('wraps an Error as a 500 InternalServerError with the context and the cause', () => {
    const cause = new TypeError('cannot read x of undefined');
    const error = toRetouchError(cause, { provider: 'bfl', model: 'flux' });
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.status).toBe(500);
    expect(error.message).toBe('cannot read x of undefined');
    expect(error.provider).toBe('bfl');
    expect(error.model).toBe('flux');
    expect(error.cause).toBe(cause);
  });

  it('wraps non-errors and redacts what they say', () => {
    const error = toRetouchError('failed with key sk-abcdef1234567');
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toBe('failed with key sk-[REDACTED]');
  });
});
