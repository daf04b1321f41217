import { describe, expect, it } from '@jest/globals';
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ContentPolicyViolationError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
  UnsupportedParamsError,
} from '@retouch/core';
import type { Deployment } from '../deployments.js';
import { BudgetExceededError, NoCapableDeploymentError, NoDeploymentAvailableError } from '../errors.js';
import { attemptTimeoutMs } from './attempt.js';
import { cooldownMs, failureEffect } from './cooldown.js';
import { fallbackKind } from './fallback.js';
import { BACKOFF, backoffMs, isRetryableError } from './retry.js';

const m = { message: 'x' };
const noTimeoutRetry = { retryOnTimeout: false };

describe('error classes drive the policies', () => {
  const cases = [
    // error, cooldown effect, retryable, fallback kind
    [new RateLimitError(m), 'cooldown', true, 'general'],
    [new ServiceUnavailableError(m), 'count', true, 'general'],
    [new InternalServerError(m), 'count', true, 'general'],
    [new APIConnectionError(m), 'count', true, 'general'],
    [new AuthenticationError(m), 'cooldown', false, 'general'],
    [new NotFoundError(m), 'cooldown', false, 'general'],
    [new TimeoutError(m), 'count', false, undefined],
    [new BadRequestError(m), 'none', false, undefined],
    [new UnsupportedParamsError(m), 'none', false, undefined],
    [new BadRequestError({ ...m, status: 422 }), 'none', false, undefined],
    [new ContentPolicyViolationError(m), 'none', false, 'content_policy'],
    [new ContentPolicyViolationError({ ...m, code: 'moderation_blocked' }), 'none', false, 'content_policy'],
    // A refusal that reached the router as a plain 400 (another copy of core, or a provider that does
    // not classify it), recognised by its code.
    [new BadRequestError({ ...m, code: 'moderation_blocked' }), 'none', false, 'content_policy'],
    [new BadRequestError({ ...m, code: 'image_content_policy_violation' }), 'none', false, 'content_policy'],
    [new BadRequestError({ ...m, code: 'content_policy_violation' }), 'none', false, 'content_policy'],
    [new APIUserAbortError(m), 'none', false, undefined],
  ] as const;

  it.each(cases)('%s: cooldown %s, retryable %s, fallback %s', (error, effect, retryable, kind) => {
    expect(failureEffect(error)).toBe(effect);
    expect(isRetryableError(error, noTimeoutRetry)).toBe(retryable);
    expect(fallbackKind(error, noTimeoutRetry)).toBe(kind);
  });

  it('retries and falls back after a timeout only with retry_on_timeout', () => {
    const timeout = new TimeoutError(m);
    expect(isRetryableError(timeout, { retryOnTimeout: true })).toBe(true);
    expect(fallbackKind(timeout, { retryOnTimeout: true })).toBe('general');
  });

  it('falls back when a group cannot serve or is cooling down, never over a budget', () => {
    expect(fallbackKind(new NoCapableDeploymentError(['g'], []), noTimeoutRetry)).toBe('general');
    expect(fallbackKind(new NoDeploymentAvailableError('g', 1000), noTimeoutRetry)).toBe('general');
    const budget = new BudgetExceededError({ scope: 'user', id: 'u', maxUsd: 1 }, 2);
    expect(fallbackKind(budget, noTimeoutRetry)).toBeUndefined();
    expect(isRetryableError(budget, noTimeoutRetry)).toBe(false);
    expect(budget.status).toBe(429);
    expect(budget.toJSON().error.code).toBe('budget_exceeded');
  });
});

describe('cooldownMs', () => {
  const d = (cooldown?: number) => ({ cooldownMs: cooldown }) as Deployment;
  it('prefers the deployment cooldown, then Retry-After on a 429, then the router cooldown', () => {
    const limited = new RateLimitError({ ...m, retryAfterMs: 2000 });
    expect(cooldownMs(d(9000), limited, 5000)).toBe(9000);
    expect(cooldownMs(d(), limited, 5000)).toBe(2000);
    expect(cooldownMs(d(), new ServiceUnavailableError(m), 5000)).toBe(5000);
    expect(cooldownMs(d(), limited, 0)).toBe(0);
  });
});

describe('backoffMs', () => {
  it('doubles from 500 ms up to 8 s, scaled by a jitter in [0.25, 1]', () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(0, () => 0.999999)).toBeCloseTo(125, 0);
    expect(backoffMs(2, () => 0)).toBe(2000);
    expect(backoffMs(10, () => 0)).toBe(BACKOFF.maxMs);
  });
});

describe('attemptTimeoutMs', () => {
  it('cuts the deployment timeout to what is left of the call', () => {
    expect(attemptTimeoutMs({ timeoutMs: 30_000 }, 10_000, 0)).toBe(10_000);
    expect(attemptTimeoutMs({ timeoutMs: 3_000 }, 10_000, 0)).toBe(3_000);
    expect(attemptTimeoutMs({}, undefined, 0)).toBeUndefined();
    expect(attemptTimeoutMs({}, 500, 0)).toBe(500);
  });
});
