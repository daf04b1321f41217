/**
 * Conformance cases for failures: every upstream failure maps to its `RetouchError` class, deadlines
 * and aborts end the call quickly, secrets never leak, and bad input never reaches the upstream.
 * @module
 */
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  imageEdit,
  type RetouchError,
  ServiceUnavailableError,
  TimeoutError,
} from '@retouch/core';
import type { ConformanceCase } from '../conformance-types.js';
import { createPng, NOT_AN_IMAGE, truncatedPng } from '../fixtures.js';
import type { RecordedRequest } from '../recorded-request.js';
import { type ErrorClass, rejectionOf } from '../results.js';
import type { Fault } from '../simulator.js';
import type { ConformanceRun } from './run.js';

interface FaultCase {
  name: ConformanceCase;
  fault: Fault;
  expected: ErrorClass;
  status?: number;
  retryable: boolean;
}

const FAULT_CASES: readonly FaultCase[] = [
  {
    name: 'error-400',
    fault: { type: 'status', status: 400 },
    expected: BadRequestError,
    status: 400,
    retryable: false,
  },
  {
    name: 'error-401',
    fault: { type: 'status', status: 401 },
    expected: AuthenticationError,
    status: 401,
    retryable: false,
  },
  {
    name: 'error-403',
    fault: { type: 'status', status: 403 },
    expected: PermissionDeniedError,
    status: 403,
    retryable: false,
  },
  {
    name: 'error-404',
    fault: { type: 'status', status: 404 },
    expected: NotFoundError,
    status: 404,
    retryable: false,
  },
  {
    name: 'error-500',
    fault: { type: 'status', status: 500 },
    expected: InternalServerError,
    status: 500,
    retryable: true,
  },
  {
    name: 'error-503',
    fault: { type: 'status', status: 503 },
    expected: ServiceUnavailableError,
    status: 503,
    retryable: true,
  },
  // The request reached the upstream before the answer was lost: it may have been billed, so not retryable.
  { name: 'connection-reset', fault: { type: 'reset' }, expected: APIConnectionError, retryable: false },
  { name: 'malformed-json', fault: { type: 'malformed-json' }, expected: BadGatewayError, retryable: false },
];

/** A key no simulator accepts and no redaction pattern knows, so only exact-secret redaction hides it. */
const WRONG_KEY = 'wrong-conformance-key-0123456789';
const PROMPT = 'Make it blue';
/** Long enough that a call that ignored its deadline would fail the elapsed-time check. */
const SLOW_MS = 10_000;

/**
 * Registers the failure cases. Internal to the suite: called by `describeProviderConformance`.
 *
 * @example
 * ```ts
 * describeFailureCases(run);
 * ```
 */
export function describeFailureCases(run: ConformanceRun): void {
  const { options, jest } = run;
  const { expect } = jest;
  const isFaultTarget = (request: RecordedRequest) =>
    options.isFaultTarget ? options.isFaultTarget(request) : options.isEditRequest(request);
  const image = () => createPng(run.imageSize.width, run.imageSize.height);
  const basicEdit = (extra: Record<string, unknown> = {}) =>
    run.edit({ model: options.models.basic, image: image(), prompt: PROMPT, ...extra });

  function expectFaultHit(): void {
    expect(run.simulator().requests.some(isFaultTarget)).toBe(true);
  }

  function expectNoSecret(error: RetouchError, secret: string): void {
    const surfaces = {
      message: error.message,
      json: JSON.stringify(error),
      upstreamBody: error.upstreamBody ?? '',
      stack: error.stack ?? '',
    };
    for (const [surface, text] of Object.entries(surfaces)) {
      if (text.includes(secret)) throw new Error(`the credential leaked into error.${surface}`);
    }
  }

  for (const faultCase of FAULT_CASES) {
    const what = faultCase.status === undefined ? faultCase.fault.type : `HTTP ${faultCase.status}`;
    run.test(faultCase.name, `maps ${what} to ${faultCase.expected.name}`, async () => {
      run.simulator().injectFault(faultCase.fault, { match: isFaultTarget });
      const error = await rejectionOf(basicEdit(), faultCase.expected);
      expectFaultHit();
      if (faultCase.status !== undefined) expect(error.status).toBe(faultCase.status);
      expect(error.provider).toBe(run.provider().id);
      expect(error.isRetryable).toBe(faultCase.retryable);
    });
  }

  run.test('error-429', 'maps 429 to RateLimitError with retryAfterMs from Retry-After', async () => {
    run.simulator().injectFault({ type: 'rate-limit', retryAfterSeconds: 2 }, { match: isFaultTarget });
    const error = await rejectionOf(basicEdit(), RateLimitError);
    expectFaultHit();
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.isRetryable).toBe(true);
  });

  run.test('timeout', 'ends a slow call at its timeout with TimeoutError', async () => {
    run.simulator().injectFault({ type: 'delay', ms: SLOW_MS }, { match: isFaultTarget });
    const started = Date.now();
    await rejectionOf(basicEdit({ timeout: 300 }), TimeoutError);
    expect(Date.now() - started).toBeLessThan(SLOW_MS / 2);
  });

  run.test('abort', 'ends an aborted call with APIUserAbortError', async () => {
    run.simulator().injectFault({ type: 'delay', ms: SLOW_MS }, { match: isFaultTarget });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 150);
    await rejectionOf(basicEdit({ signal: controller.signal }), APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(SLOW_MS / 2);
  });

  run.test('redaction', 'keeps the credential out of errors when the upstream echoes it', async () => {
    const simulator = run.simulator();
    const key = options.apiKey;
    const body = simulator.errorBody(
      401,
      `Incorrect API key provided: ${key}. Authorization: Bearer ${key}`,
      'invalid_api_key',
    );
    simulator.injectFault({ type: 'status', status: 401, body }, { match: isFaultTarget });
    const error = await rejectionOf(basicEdit(), AuthenticationError);
    expectFaultHit();
    expectNoSecret(error, key);
  });

  run.test(
    'wrong-key',
    'rejects a wrong credential with AuthenticationError and does not leak it',
    async () => {
      const provider = options.createProvider(run.simulator(), { apiKey: WRONG_KEY });
      const call = imageEdit(
        { ...options.params, model: options.models.basic, image: image(), prompt: PROMPT },
        { ...options.imageEditOptions, provider },
      );
      expectNoSecret(await rejectionOf(call, AuthenticationError), WRONG_KEY);
    },
  );

  run.test('bad-input', 'rejects bytes that are no image before calling the upstream', async () => {
    for (const bad of [NOT_AN_IMAGE, truncatedPng()]) {
      const error = await rejectionOf(
        run.edit({ model: options.models.basic, image: bad, prompt: PROMPT }),
        BadRequestError,
      );
      expect(error.param).toBe('image');
    }
    expect(run.simulator().requests).toHaveLength(0);
  });

  run.test(
    'unknown-model',
    'rejects an unknown model with NotFoundError before calling the upstream',
    async () => {
      await rejectionOf(
        run.edit({ model: 'no-such-model-conformance', image: image(), prompt: PROMPT }),
        NotFoundError,
      );
      expect(run.simulator().requests).toHaveLength(0);
    },
  );
}
