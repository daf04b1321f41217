import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { type BedrockSimulator, startBedrockSimulator } from './bedrock-simulator.js';
import { createPng } from './fixtures.js';

const CREDENTIAL = {
  accessKeyId: 'AKIASIMTEST000000001',
  secretAccessKey: 'bedrock-simulator-test-secret-000000000',
};
const API_KEY = 'bedrock-api-key-simulator-test';
const INPAINT = 'us.stability.stable-image-inpaint-v1%3A0';
let sim: BedrockSimulator;

beforeAll(async () => {
  sim = await startBedrockSimulator({ credentials: [CREDENTIAL], apiKey: API_KEY });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const image = createPng(64, 64).toString('base64');

interface SignOptions {
  secret?: string;
  region?: string;
  service?: string;
  date?: Date;
  /** Sign the path as sent, without encoding it again (S3 style): AWS refuses it for Bedrock. */
  singleEncoded?: boolean;
}

/** Signs and sends an InvokeModel request with smithy's signer, as an SDK would. */
async function invoke(label: string, body: unknown, options: SignOptions = {}): Promise<Response> {
  const url = new URL(`${sim.url}/model/${label}/invoke`);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signer = new SignatureV4({
    service: options.service ?? 'bedrock',
    region: options.region ?? 'us-east-1',
    credentials: { ...CREDENTIAL, secretAccessKey: options.secret ?? CREDENTIAL.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: !options.singleEncoded,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json', accept: 'application/json' },
      body: text,
    }),
    { signingDate: options.date ?? new Date() },
  );
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method: 'POST', headers, body: text });
}

async function failure(response: Response): Promise<{ status: number; type: string; message: string }> {
  const body = (await response.json()) as { message?: string; Message?: string };
  return {
    status: response.status,
    type: (response.headers.get('x-amzn-errortype') ?? '').split(':')[0] as string,
    message: body.message ?? body.Message ?? '',
  };
}

describe('SigV4, verified by recomputing the signature', () => {
  it('accepts a correct signature and answers {seeds, finish_reasons, images}', async () => {
    const response = await invoke(INPAINT, { image, prompt: 'a red chair', seed: 7 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { seeds: number[]; finish_reasons: unknown[]; images: string[] };
    expect(body.seeds).toEqual([7]);
    expect(body.finish_reasons).toEqual([null]);
    expect(body.images).toHaveLength(1);
    expect(sim.invocations()).toEqual([
      { modelId: 'us.stability.stable-image-inpaint-v1:0', principal: CREDENTIAL.accessKeyId },
    ]);
  });

  it.each<[string, SignOptions, string, RegExp]>([
    [
      'another secret',
      { secret: 'not-the-secret-000000000000000000000' },
      'InvalidSignatureException',
      /signature we calculated does not match[\s\S]*%253A0/,
    ],
    [
      'a singly-encoded canonical path',
      { singleEncoded: true },
      'InvalidSignatureException',
      /does not match/,
    ],
    ['another region', { region: 'us-west-2' }, 'InvalidSignatureException', /scoped to a valid region/],
    [
      'another service',
      { service: 'bedrock-runtime' },
      'InvalidSignatureException',
      /scoped to correct service: 'bedrock'/,
    ],
    [
      'a clock 20 minutes off',
      { date: new Date(Date.now() - 20 * 60_000) },
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than/,
    ],
  ])('refuses %s with 403', async (_title, options, type, message) => {
    const result = await failure(await invoke(INPAINT, { image, prompt: 'x' }, options));
    expect(result).toMatchObject({ status: 403, type });
    expect(result.message).toMatch(message);
  });

  it('refuses a body changed after signing', async () => {
    const url = `${sim.url}/model/${INPAINT}/invoke`;
    const good = await invoke(INPAINT, { image, prompt: 'x' });
    expect(good.status).toBe(200);
    const request = sim.lastRequest();
    const { host: _host, 'content-length': _length, ...headers } = request.headers;
    const tampered = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ image, prompt: 'y' }),
    });
    expect(await failure(tampered)).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  it('answers MissingAuthenticationTokenException and IncompleteSignatureException like AWS', async () => {
    const send = (authorization?: string) =>
      fetch(`${sim.url}/model/${INPAINT}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{}',
      });
    expect(await failure(await send())).toMatchObject({
      status: 403,
      type: 'MissingAuthenticationTokenException',
    });
    const incomplete = await failure(await send('Basic dXNlcjpwYXNz'));
    expect(incomplete).toMatchObject({ status: 403, type: 'IncompleteSignatureException' });
    // AWS quotes the header back: clients must redact what they surface.
    expect(incomplete.message).toContain("Authorization header requires 'Credential' parameter.");
    expect(incomplete.message).toContain('Authorization=Basic dXNlcjpwYXNz');
  });
});

describe('Bedrock API keys', () => {
  const send = (key: string, label = INPAINT) =>
    fetch(`${sim.url}/model/${label}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ image, prompt: 'x' }),
    });

  it('accepts the key as Authorization: Bearer', async () => {
    expect((await send(API_KEY)).status).toBe(200);
    expect(sim.invocations()[0]?.principal).toBe('bearer');
  });

  it('refuses another key with 403 and a capitalised Message', async () => {
    const response = await send('bedrock-api-key-wrong');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      Message: 'Authentication failed: Please make sure your API Key is valid.',
    });
  });

  it('refuses a raw ":" in the model id (strict mode) and takes it when strict mode is off', async () => {
    const strict = await failure(await send(API_KEY, 'us.stability.stable-image-inpaint-v1:0'));
    expect(strict).toMatchObject({ status: 400, type: 'ValidationException' });
    const lenient = await startBedrockSimulator({ apiKey: API_KEY, strictModelIdEncoding: false });
    try {
      const response = await fetch(`${lenient.url}/model/us.stability.stable-image-inpaint-v1:0/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image, prompt: 'x' }),
      });
      expect(response.status).toBe(200);
    } finally {
      await lenient.close();
    }
  });
});

describe('model ids and bodies are validated per model', () => {
  it.each<[string, string, unknown, RegExp]>([
    [
      'a model id off the pattern',
      'not%20a%20model',
      { image },
      /failed to satisfy constraint: Member must satisfy regular expression pattern/,
    ],
    [
      'an unknown model',
      'stability.stable-image-nothing-v1%3A0',
      { image },
      /^The provided model identifier is invalid\.$/,
    ],
    [
      'a missing prompt',
      INPAINT,
      { image },
      /^Malformed input request: #: required key \[prompt\] not found, please reformat your input and try again\.$/,
    ],
    [
      'an extraneous key',
      INPAINT,
      { image, prompt: 'x', strength: 0.5 },
      /#: extraneous key \[strength\] is not permitted/,
    ],
    [
      'grow_mask over 20',
      INPAINT,
      { image, prompt: 'x', grow_mask: 30 },
      /#\/grow_mask: expected maximum: 20, found: 30/,
    ],
    [
      'a string seed',
      INPAINT,
      { image, prompt: 'x', seed: '7' },
      /#\/seed: expected type: Integer, found: String/,
    ],
    [
      'a data URL image',
      INPAINT,
      { image: `data:image/png;base64,${image}`, prompt: 'x' },
      /without a data: URL prefix/,
    ],
    [
      'a prompt on erase',
      'us.stability.stable-image-erase-object-v1%3A0',
      { image, prompt: 'x' },
      /extraneous key \[prompt\]/,
    ],
    [
      'style transfer without style_image',
      'us.stability.stable-style-transfer-v1%3A0',
      { init_image: image },
      /required key \[style_image\]/,
    ],
    [
      'outpaint with no direction',
      'us.stability.stable-outpaint-v1%3A0',
      { image },
      /at least one of them must be greater than 0/,
    ],
    [
      'a 32 px image',
      INPAINT,
      { image: createPng(32, 32).toString('base64'), prompt: 'x' },
      /at least 64 pixels/,
    ],
    [
      'not JSON',
      INPAINT,
      '{"image":',
      /^Malformed input request, please reformat your input and try again\.$/,
    ],
  ])('%s → ValidationException', async (_title, label, body, message) => {
    const result = await failure(await invoke(label, body));
    expect(result).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(result.message).toMatch(message);
  });

  it('refuses a us. profile in a region outside the US', async () => {
    const europe = await startBedrockSimulator({ region: 'eu-west-1', apiKey: API_KEY });
    try {
      const response = await fetch(`${europe.url}/model/${INPAINT}/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image, prompt: 'x' }),
      });
      expect(await failure(response)).toMatchObject({
        status: 400,
        message: 'The provided model identifier is invalid.',
      });
    } finally {
      await europe.close();
    }
  });

  it('answers a filter reason with finish_reasons only', async () => {
    sim.queueFinishReason('Filter reason: prompt');
    const response = await invoke(INPAINT, { image, prompt: 'x' });
    expect(await response.json()).toEqual({ finish_reasons: ['Filter reason: prompt'] });
  });
});

describe('exceptions carry x-amzn-ErrorType, injected faults included', () => {
  it('adds the exception type to injected status faults and rate limits', async () => {
    sim.injectFault({ type: 'status', status: 503 });
    expect(await failure(await invoke(INPAINT, { image, prompt: 'x' }))).toMatchObject({
      status: 503,
      type: 'ServiceUnavailableException',
    });
    sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 3 });
    const limited = await invoke(INPAINT, { image, prompt: 'x' });
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await failure(limited)).toMatchObject({ status: 429, type: 'ThrottlingException' });
  });

  it('injects named exceptions with their status', async () => {
    sim.injectException('ModelErrorException');
    const response = await invoke(INPAINT, { image, prompt: 'x' });
    expect(response.headers.get('x-amzn-errortype')).toBe(
      'ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/',
    );
    expect(response.status).toBe(424);
    expect(await response.json()).toMatchObject({ originalStatusCode: 500 });
  });

  it('answers a fault chosen by header with its exception type too', async () => {
    const response = await fetch(`${sim.url}/model/${INPAINT}/invoke`, {
      method: 'POST',
      headers: { 'x-simulator-fault': 'status=403' },
    });
    expect(await failure(response)).toMatchObject({ status: 403, type: 'AccessDeniedException' });
  });
});
