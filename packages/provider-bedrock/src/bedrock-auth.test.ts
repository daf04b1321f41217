import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  imageEdit,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type RetouchError,
  ServiceUnavailableError,
  TimeoutError,
} from '@retouch/core';
import {
  type BedrockException,
  type BedrockSimulator,
  createNoisePng,
  createPng,
  rejectionOf,
  startBedrockSimulator,
} from '@retouch/testing';
import { createBedrock } from './bedrock-provider.js';

const ACCESS_KEY_ID = 'AKIAAUTHTESTKEY00001';
const SECRET = 'auth-test-secret-0123456789abcdefghijklm';
const API_KEY = 'bedrock-api-key-auth-test-0123456789';
const TEMPORARY_KEY_ID = 'ASIAAUTHTESTKEY00002';
const SESSION_TOKEN = 'auth-test-session-token-0123456789';
const MODEL = 'us.stability.stable-image-inpaint-v1:0';
let sim: BedrockSimulator;
const savedEnv = { ...process.env };
const AWS_ENV = /^AWS_/;

beforeAll(async () => {
  sim = await startBedrockSimulator({
    credentials: [
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET },
      { accessKeyId: TEMPORARY_KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION_TOKEN },
    ],
    apiKey: API_KEY,
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

/** No AWS settings at all in the environment, and no shared files or instance metadata to fall back on. */
function isolateEnv(extra: Record<string, string> = {}): void {
  for (const name of Object.keys(process.env)) if (AWS_ENV.test(name)) delete process.env[name];
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'retouch-no-such-credentials'),
    AWS_CONFIG_FILE: join(tmpdir(), 'retouch-no-such-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
}

const photo = createPng(64, 64);
const call = (settings: Parameters<typeof createBedrock>[0], params: Record<string, unknown> = {}) =>
  imageEdit({ model: MODEL, image: photo, prompt: 'a chair', ...params } as Parameters<typeof imageEdit>[0], {
    provider: createBedrock({ baseURL: sim.url, region: 'us-east-1', ...settings }),
  });
const signed = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET };

function expectNoLeak(error: RetouchError, ...secrets: string[]): void {
  const surfaces = JSON.stringify({ message: error.message, body: error.upstreamBody, json: error.toJSON() });
  for (const secret of secrets) expect(surfaces).not.toContain(secret);
}

describe('exceptions (x-amzn-ErrorType) map to their errors', () => {
  const cases: [BedrockException, abstract new (...args: never[]) => RetouchError, number][] = [
    ['ValidationException', BadRequestError, 400],
    ['AccessDeniedException', PermissionDeniedError, 403],
    ['ResourceNotFoundException', NotFoundError, 404],
    ['ModelTimeoutException', TimeoutError, 408],
    ['ModelErrorException', BadGatewayError, 502],
    ['ThrottlingException', RateLimitError, 429],
    ['ModelNotReadyException', RateLimitError, 429],
    ['ServiceQuotaExceededException', RateLimitError, 429],
    ['InternalServerException', InternalServerError, 500],
    ['ServiceUnavailableException', ServiceUnavailableError, 503],
  ];
  it.each(cases)('%s', async (type, errorClass, status) => {
    sim.injectException(type, { message: `simulated ${type}` });
    const error = await rejectionOf(call(signed), errorClass);
    expect(error.status).toBe(status);
    expect(error.code).toBe(type);
    expect(error.message).toContain(`simulated ${type}`);
  });
});

describe('SigV4 credentials', () => {
  it('maps a wrong secret (InvalidSignatureException) to AuthenticationError without leaking it', async () => {
    const wrong = {
      accessKeyId: TEMPORARY_KEY_ID,
      secretAccessKey: 'wrong-secret-0123456789abcdef',
      sessionToken: SESSION_TOKEN,
    };
    const error = await rejectionOf(call(wrong), AuthenticationError);
    expect(error.code).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/signature we calculated does not match/);
    // AWS echoes the canonical request, session token included: it must not survive in the error.
    expect(error.upstreamBody).toContain('The Canonical String for this request should have been');
    expect(error.upstreamBody).toContain('x-amz-security-token');
    expectNoLeak(error, 'wrong-secret-0123456789abcdef', SESSION_TOKEN);
  });

  it('signs temporary credentials with their session token', async () => {
    await call({ accessKeyId: TEMPORARY_KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION_TOKEN });
    expect(sim.invocations()).toEqual([{ modelId: MODEL, principal: TEMPORARY_KEY_ID }]);
    const error = await rejectionOf(
      call({ accessKeyId: TEMPORARY_KEY_ID, secretAccessKey: SECRET }),
      AuthenticationError,
    );
    expect(error.code).toBe('UnrecognizedClientException');
  });

  it('maps an unknown access key (UnrecognizedClientException) to AuthenticationError', async () => {
    const error = await rejectionOf(
      call({ accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: SECRET }),
      AuthenticationError,
    );
    expect(error.code).toBe('UnrecognizedClientException');
  });

  it('takes a credentials function, called per call', async () => {
    let calls = 0;
    const credentials = async () => {
      calls++;
      return signed;
    };
    await call({ credentials });
    await call({ credentials });
    expect(calls).toBe(2);
    expect(sim.invocations().map((i) => i.principal)).toEqual([ACCESS_KEY_ID, ACCESS_KEY_ID]);
  });

  it('reads a named profile through @aws-sdk/credential-providers (no hand-rolled file parsing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retouch-bedrock-'));
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      `[retouch-test]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
    );
    isolateEnv({ AWS_SHARED_CREDENTIALS_FILE: file });
    await call({ profile: 'retouch-test' });
    expect(sim.invocations()).toEqual([{ modelId: MODEL, principal: ACCESS_KEY_ID }]);
  });

  it('prefers AWS_PROFILE to static keys in the environment, as the AWS SDK does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retouch-bedrock-'));
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      `[from-env-profile]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
    );
    isolateEnv({
      AWS_SHARED_CREDENTIALS_FILE: file,
      AWS_PROFILE: 'from-env-profile',
      AWS_ACCESS_KEY_ID: 'AKIASTATICENVKEY0001',
      AWS_SECRET_ACCESS_KEY: 'static-env-secret-0123456789',
    });
    const warn = console.warn;
    console.warn = () => {};
    try {
      await call({});
    } finally {
      console.warn = warn;
    }
    expect(sim.invocations()).toEqual([{ modelId: MODEL, principal: ACCESS_KEY_ID }]);
  });

  it('fails the call, naming what to set, when no credentials exist anywhere', async () => {
    isolateEnv();
    const error = await rejectionOf(call({}), AuthenticationError);
    expect(error.message).toMatch(/AWS credentials/);
    expect(sim.requests).toHaveLength(0);
  });

  it('names the missing half of an access key pair', async () => {
    isolateEnv({ AWS_ACCESS_KEY_ID: ACCESS_KEY_ID });
    const error = await rejectionOf(call({}), AuthenticationError);
    expect(error.message).toMatch(/AWS_SECRET_ACCESS_KEY/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('Bedrock API keys (Authorization: Bearer)', () => {
  it('sends the apiKey setting as a bearer token, unsigned', async () => {
    await call({ apiKey: API_KEY });
    const { headers } = sim.lastRequest();
    expect(headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(headers['x-amz-date']).toBeUndefined();
    expect(sim.invocations()).toEqual([{ modelId: MODEL, principal: 'bearer' }]);
  });

  it('reads AWS_BEARER_TOKEN_BEDROCK, after explicit access keys', async () => {
    isolateEnv({ AWS_BEARER_TOKEN_BEDROCK: API_KEY });
    await call({});
    expect(sim.lastRequest().headers.authorization).toBe(`Bearer ${API_KEY}`);
    await call(signed);
    expect(sim.lastRequest().headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('maps a refused API key to AuthenticationError without leaking it', async () => {
    const error = await rejectionOf(
      call({ apiKey: 'bedrock-api-key-wrong-0123456789' }),
      AuthenticationError,
    );
    expect(error.message).toMatch(/Authentication failed/);
    expectNoLeak(error, 'bedrock-api-key-wrong-0123456789');
  });
});

describe('regions', () => {
  it('calls a us. profile in us-east-1 when no region is configured', async () => {
    isolateEnv();
    await call({ region: undefined, ...signed });
    expect(sim.lastRequest().headers.authorization).toContain('/us-east-1/bedrock/aws4_request');
  });

  it('refuses a us. profile from a non-US region before calling', async () => {
    const error = await rejectionOf(call({ region: 'eu-west-1', ...signed }), BadRequestError);
    expect(error.param).toBe('model');
    expect(sim.requests).toHaveLength(0);
  });

  it('asks for a region for a base model id', async () => {
    isolateEnv();
    const error = await rejectionOf(
      call({ region: undefined, ...signed }, { model: 'stability.stable-image-inpaint-v1:0' }),
      BadRequestError,
    );
    expect(error.code).toBe('missing_region');
    expect(error.message).toMatch(/AWS_REGION/);
  });
});

describe('limits and fields are checked before the call', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a 32 px image', { image: createPng(32, 32) }, 'image'],
    ['a 3:1 image', { image: createPng(192, 64) }, 'image'],
    [
      'a fast upscale beyond 1536 px',
      { model: 'us.stability.stable-fast-upscale-v1:0', prompt: '', image: createPng(1600, 800) },
      'image',
    ],
    ['grow_mask 30 (0–20)', { grow_mask: 30 }, 'grow_mask'],
    [
      'grow_mask on outpaint',
      { model: 'us.stability.stable-outpaint-v1:0', left: 10, grow_mask: 3 },
      'grow_mask',
    ],
    ['no direction on outpaint', { model: 'us.stability.stable-outpaint-v1:0' }, 'left'],
    [
      'a prompt on remove-background',
      { model: 'us.stability.stable-image-remove-background-v1:0' },
      'prompt',
    ],
    [
      'no search_prompt on search-replace',
      { model: 'us.stability.stable-image-search-replace-v1:0' },
      'search_prompt',
    ],
    ['one image on style transfer', { model: 'us.stability.stable-style-transfer-v1:0' }, 'image'],
    ['two images on inpaint', { image: [photo, photo] }, 'image'],
    [
      'creativity 0.8 on conservative upscale (0.1–0.5)',
      { model: 'us.stability.stable-conservative-upscale-v1:0', creativity: 0.8 },
      'creativity',
    ],
  ];
  it.each(cases)('%s', async (_title, params, param) => {
    const error = await rejectionOf(call(signed, params), BadRequestError);
    expect(error.param).toBe(param);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a body over 25,000,000 bytes', async () => {
    // Two ~10 MB images: each is fine alone, their base64 body is not.
    const images = [createNoisePng(1600, 1600, 1), createNoisePng(1600, 1600, 2)];
    const error = await rejectionOf(
      call(signed, { model: 'us.stability.stable-style-transfer-v1:0', image: images }),
      BadRequestError,
    );
    expect(error.status).toBe(413);
    // Both numbers with their unit.
    expect(error.message).toMatch(
      /up to 25000000 bytes; the base64 images make \d+ bytes\. Send smaller images\.$/,
    );
    expect(sim.requests).toHaveLength(0);
  });
});
