import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadGatewayError,
  ContentPolicyViolationError,
  decodePngPixels,
  getMeta,
  imageEdit,
  prepareEditRequest,
  runImageEdit,
  ServiceUnavailableError,
} from '@retouch/core';
import {
  type BedrockSimulator,
  createOpenAIMask,
  createPng,
  rejectionOf,
  startBedrockSimulator,
} from '@retouch/testing';
import { createBedrock } from './bedrock-provider.js';

const ACCESS_KEY_ID = 'AKIAPROVIDERTEST0001';
const SECRET = 'provider-test-secret-0123456789abcdefghij';
const SESSION_TOKEN = 'FwoGZXIvYXdzEPROVIDERTESTSESSIONTOKEN';
const MODEL = 'us.stability.stable-image-inpaint-v1:0';
let sim: BedrockSimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startBedrockSimulator({
    region: 'us-east-1',
    credentials: [{ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION_TOKEN }],
    apiKey: 'bedrock-api-key-provider-test',
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const photo = createPng(64, 64, { color: [200, 40, 40] });
const style = createPng(64, 64, { color: [20, 20, 220] });
const provider = (settings: Parameters<typeof createBedrock>[0] = {}) =>
  createBedrock({
    baseURL: sim.url,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
    ...settings,
  });
const edit = (params: Record<string, unknown>, settings: Parameters<typeof createBedrock>[0] = {}) =>
  imageEdit(
    { model: MODEL, image: photo, prompt: 'a red armchair', ...params } as Parameters<typeof imageEdit>[0],
    {
      provider: provider(settings),
    },
  );
const sentBody = () => sim.lastRequest().json as Record<string, unknown>;

describe('the issue: bedrock/us.stability.stable-image-inpaint-v1:0 in us-east-1', () => {
  it('sends a SigV4-signed request AWS would accept, with the model id encoded and a JSON body', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: sim.url,
    });
    delete process.env.AWS_BEARER_TOKEN_BEDROCK;
    // No provider given: core resolves @retouch/provider-bedrock from the prefix.
    const response = await imageEdit({
      model: `bedrock/${MODEL}`,
      image: photo,
      mask: createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 }),
      prompt: 'a red armchair',
      grow_mask: 4,
    });

    const request = sim.lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/model/us.stability.stable-image-inpaint-v1%3A0/invoke');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect(request.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$`,
      ),
    );
    // The simulator recomputed the signature with the secret and accepted it.
    expect(sim.invocations()).toEqual([{ modelId: MODEL, principal: ACCESS_KEY_ID }]);

    const body = sentBody();
    expect(Object.keys(body).sort()).toEqual(['grow_mask', 'image', 'mask', 'prompt']);
    expect(body.image).toBe(photo.toString('base64'));
    expect(body.grow_mask).toBe(4);
    const mask = await decodePngPixels(Buffer.from(body.mask as string, 'base64'));
    expect([...mask.data.subarray((32 * 64 + 32) * 4, (32 * 64 + 32) * 4 + 4)]).toEqual([255, 255, 255, 255]);
    expect([...mask.data.subarray(0, 4)]).toEqual([0, 0, 0, 255]);

    const result = await decodePngPixels(Buffer.from(response.data[0]?.b64_json as string, 'base64'));
    expect([...result.data.subarray((32 * 64 + 32) * 4, (32 * 64 + 32) * 4 + 3)]).toEqual([55, 215, 215]);
    expect(getMeta(response)).toMatchObject({ provider: 'bedrock', model: MODEL, costUsd: 0.07 });
  });

  it('retries after a 503 with the same non-empty image (prepared bytes are reused)', async () => {
    const stream = Readable.from([photo.subarray(0, 100), photo.subarray(100)]);
    const prepared = await prepareEditRequest({ model: MODEL, image: stream, prompt: 'a red armchair' });
    sim.injectException('ServiceUnavailableException');
    const first = await rejectionOf(runImageEdit(provider(), MODEL, prepared), ServiceUnavailableError);
    expect(first.isRetryable).toBe(true);
    expect(first.code).toBe('ServiceUnavailableException');
    const response = await runImageEdit(provider(), MODEL, prepared);
    expect(response.data).toHaveLength(1);

    const [failed, retried] = sim.requests.map((request) => (request.json as { image: string }).image);
    expect(failed).toBe(photo.toString('base64'));
    expect(retried).toBe(failed);
    expect(sim.requests[1]?.rawBody.equals(sim.requests[0]?.rawBody as Buffer)).toBe(true);
  });
});

describe('per-model bodies, exactly as AWS documents them', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'stability.stable-outpaint-v1:0',
      { left: 64, creativity: 0.4 },
      { image: 'image', prompt: 'a red armchair', left: 64, creativity: 0.4 },
    ],
    [
      'stability.stable-image-search-replace-v1:0',
      { search_prompt: 'cat' },
      { image: 'image', prompt: 'a red armchair', search_prompt: 'cat' },
    ],
    [
      'stability.stable-image-search-recolor-v1:0',
      { select_prompt: 'chair', grow_mask: 3 },
      { image: 'image', prompt: 'a red armchair', select_prompt: 'chair', grow_mask: 3 },
    ],
    ['stability.stable-image-erase-object-v1:0', { prompt: '', seed: 42 }, { image: 'image', seed: 42 }],
    [
      'stability.stable-image-remove-background-v1:0',
      { prompt: '', output_format: 'webp' },
      { image: 'image', output_format: 'webp' },
    ],
    [
      'stability.stable-image-control-sketch-v1:0',
      { control_strength: 0.6 },
      { image: 'image', prompt: 'a red armchair', control_strength: 0.6 },
    ],
    ['stability.stable-image-control-structure-v1:0', {}, { image: 'image', prompt: 'a red armchair' }],
    [
      'stability.stable-image-style-guide-v1:0',
      { size: '1024x1536', fidelity: 0.7 },
      { image: 'image', prompt: 'a red armchair', aspect_ratio: '2:3', fidelity: 0.7 },
    ],
    [
      'stability.stable-style-transfer-v1:0',
      { image: [photo, style], style_strength: 0.5 },
      { init_image: 'image', style_image: 'style', prompt: 'a red armchair', style_strength: 0.5 },
    ],
    [
      'stability.stable-creative-upscale-v1:0',
      { creativity: 0.2 },
      { image: 'image', prompt: 'a red armchair', creativity: 0.2 },
    ],
    [
      'stability.stable-conservative-upscale-v1:0',
      { negative_prompt: 'blur' },
      { image: 'image', prompt: 'a red armchair', negative_prompt: 'blur' },
    ],
    ['stability.stable-fast-upscale-v1:0', { prompt: '' }, { image: 'image' }],
  ];
  it.each(cases)('us.%s', async (model, params, expected) => {
    const response = await edit({ model: `us.${model}`, ...params });
    expect(sim.lastRequest().path).toBe(`/model/us.${model.replace(':', '%3A')}/invoke`);
    const images: Record<string, string> = {
      image: photo.toString('base64'),
      style: style.toString('base64'),
    };
    const want = Object.fromEntries(
      Object.entries(expected).map(([key, value]) => [
        key,
        key.endsWith('image') ? images[value as string] : value,
      ]),
    );
    expect(sentBody()).toEqual(want);
    expect(response.data).toHaveLength(1);
  });

  it('makes one call per image for n', async () => {
    const response = await edit({ n: 3 });
    expect(response.data).toHaveLength(3);
    expect(sim.requests).toHaveLength(3);
    expect(getMeta(response).costUsd).toBeCloseTo(0.21, 9);
  });

  it('sends seed + i per call for n with a fixed seed (0, "random", stays 0)', async () => {
    await edit({ n: 3, seed: 41 });
    const seeds = sim.requests.map((request) => (request.json as { seed: number }).seed);
    expect(seeds.sort()).toEqual([41, 42, 43]);
    sim.reset();
    await edit({ n: 2, seed: 0 });
    expect(sim.requests.map((request) => (request.json as { seed: number }).seed)).toEqual([0, 0]);
  });

  it('reads an answer whose seeds are strings', async () => {
    sim.injectFault({
      type: 'status',
      status: 200,
      body: { images: [photo.toString('base64')], seeds: ['1234567'], finish_reasons: [null] },
    });
    const response = await edit({});
    expect(response.data).toHaveLength(1);
  });

  it('warns that a base model id is served on demand only through the us. profile', async () => {
    const response = await imageEdit(
      { model: 'stability.stable-image-inpaint-v1:0', image: photo, prompt: 'x' },
      { provider: provider() },
    );
    expect(getMeta(response).warnings).toContainEqual(
      expect.stringContaining(
        'through the cross-region inference profile us.stability.stable-image-inpaint-v1:0',
      ),
    );
    const profile = await edit({});
    expect(getMeta(profile).warnings.join(' ')).not.toContain('base model id');
  });

  it('sends and signs extra headers (X-Amzn-Bedrock-Trace)', async () => {
    await edit({}, { headers: { 'X-Amzn-Bedrock-Trace': 'ENABLED' } });
    expect(sim.lastRequest().headers['x-amzn-bedrock-trace']).toBe('ENABLED');
    expect(sim.lastRequest().headers.authorization).toContain('x-amzn-bedrock-trace');
    expect(sim.invocations()).toHaveLength(1);
  });

  it('encodes an ARN model id fully (: → %3A, / → %2F) and signs for the ARN’s region', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    const arn = 'arn:aws:bedrock:us-east-1::foundation-model/stability.stable-image-inpaint-v1:0';
    await imageEdit({ model: arn, image: photo, prompt: 'x' }, { provider: provider({ region: undefined }) });
    expect(sim.lastRequest().path).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fstability.stable-image-inpaint-v1%3A0/invoke',
    );
    expect(sim.invocations()).toEqual([{ modelId: arn, principal: ACCESS_KEY_ID }]);
  });

  it('takes application inference profiles through the models setting', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
    const bedrock = provider({ models: { [arn]: 'stability.stable-image-erase-object-v1:0' } });
    expect(bedrock.capabilities(arn)?.mask).toBe('optional');
    expect(bedrock.capabilities(arn)?.promptRequired).toBe(false);
    expect(bedrock.models()).toContain(arn);
  });
});

describe('finish reasons', () => {
  it('turns a filter reason into a 400 ContentPolicyViolationError', async () => {
    sim.queueFinishReason('Filter reason: output image');
    const error = await rejectionOf(edit({}), ContentPolicyViolationError);
    expect(error.status).toBe(400);
    expect(error.message).toContain('Filter reason: output image');
  });

  it('turns "Inference error" into a retryable BadGatewayError', async () => {
    sim.queueFinishReason('Inference error');
    const error = await rejectionOf(edit({}), BadGatewayError);
    expect(error.isRetryable).toBe(true);
  });
});
