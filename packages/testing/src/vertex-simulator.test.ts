import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createPng, createWhiteMask } from './fixtures.js';
import { startVertexSimulator, type VertexSimulator } from './vertex-simulator.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary upstream JSON.
type Json = any;

const TOKEN = 'ya29.vertex-sim-test';
const EMAIL = 'sim@sim-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
// Made here, before any connection is open, not inside the test: RSA key generation blocks the event
// loop (seconds on a loaded machine), and a block of 6 s or more right before a request lets the
// simulator's keep-alive timeout (5 s + Node's 1 s grace) close the idle socket fetch is reusing, so
// the request fails with ECONNRESET instead of getting its answer.
const foreignKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
let sim: VertexSimulator;

beforeAll(async () => {
  sim = await startVertexSimulator({
    accessToken: TOKEN,
    serviceAccount: { clientEmail: EMAIL, publicKey: keys.publicKey },
  });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const raw = createPng(16, 16).toString('base64');
const rawRef = {
  referenceType: 'REFERENCE_TYPE_RAW',
  referenceId: 1,
  referenceImage: { bytesBase64Encoded: raw },
};
const maskRef = (mask = createWhiteMask(16, 16, { x: 0, y: 0, width: 8, height: 8 })) => ({
  referenceType: 'REFERENCE_TYPE_MASK',
  referenceId: 2,
  referenceImage: { bytesBase64Encoded: mask.toString('base64') },
  maskImageConfig: { maskMode: 'MASK_MODE_USER_PROVIDED' },
});

async function predict(
  body: unknown,
  options: { location?: string; project?: string; token?: string; model?: string; method?: string } = {},
): Promise<{ status: number; json: Json }> {
  const { location = 'us-central1', project = 'sim-project', model = 'imagen-3.0-capability-001' } = options;
  const url = `${sim.url}/v1/projects/${project}/locations/${location}/publishers/google/models/${model}:${options.method ?? 'predict'}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

const imagenEdit = (
  parameters: Record<string, unknown> = {},
  references: unknown[] = [rawRef, maskRef()],
) => ({
  instances: [{ prompt: 'A kite', referenceImages: references }],
  parameters: { editMode: 'EDIT_MODE_INPAINT_INSERTION', ...parameters },
});

function jwt(claims: Record<string, unknown>, key = keys.privateKey): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
}

async function token(assertion: string, grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
  const response = await fetch(sim.tokenUri, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: grantType, assertion }),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({
  iss: EMAIL,
  scope: 'https://www.googleapis.com/auth/cloud-platform',
  aud: 'https://oauth2.googleapis.com/token',
  iat: now(),
  exp: now() + 3600,
});

describe('Imagen editing on the Vertex simulator', () => {
  it('makes 4 samples when sampleCount is missing (the API default)', async () => {
    const { status, json } = await predict(imagenEdit());
    expect(status).toBe(200);
    expect(json.predictions).toHaveLength(4);
    expect(json.predictions[0].mimeType).toBe('image/png');
  });

  it('inverts the base image where the mask is white', async () => {
    const { json } = await predict(imagenEdit({ sampleCount: 1 }));
    const out = Buffer.from(json.predictions[0].bytesBase64Encoded, 'base64');
    expect(out.readUInt32BE(16)).toBe(16);
  });

  it.each([
    [
      'two RAW references',
      imagenEdit({}, [rawRef, { ...rawRef, referenceId: 3 }]),
      'At most one raw reference image',
    ],
    ['no RAW reference', imagenEdit({}, [maskRef()]), 'raw reference image is required'],
    [
      'a mask of another size',
      imagenEdit({}, [rawRef, maskRef(createWhiteMask(8, 8, { x: 0, y: 0, width: 2, height: 2 }))]),
      'same size',
    ],
    ['inpainting without a mask', imagenEdit({}, [rawRef]), 'A mask reference image is required'],
    ['sampleCount 5', imagenEdit({ sampleCount: 5 }), 'sampleCount must be an integer between 1 and 4'],
    [
      'a seed with the watermark on',
      imagenEdit({ seed: 3 }),
      'Seed is not supported when addWatermark is enabled',
    ],
    ['a bad edit mode', imagenEdit({ editMode: 'EDIT_MODE_MAGIC' }), 'editMode: unsupported value'],
    [
      'a semantic mask without classes',
      imagenEdit({}, [
        rawRef,
        {
          referenceType: 'REFERENCE_TYPE_MASK',
          referenceId: 2,
          maskImageConfig: { maskMode: 'MASK_MODE_SEMANTIC' },
        },
      ]),
      'maskClasses',
    ],
    ['a bad safety setting', imagenEdit({ safetySetting: 'block_everything' }), 'safetySetting'],
  ])('refuses %s with 400', async (_name, body, message) => {
    const { status, json } = await predict(body);
    expect(status).toBe(400);
    expect(json.error.message).toContain(message);
  });

  it('takes personGeneration and safetySetting in either case', async () => {
    const { status } = await predict(
      imagenEdit({ sampleCount: 1, personGeneration: 'ALLOW_ADULT', safetySetting: 'block_only_high' }),
    );
    expect(status).toBe(200);
  });

  it('has no Imagen on global, and no Gemini behind :predict', async () => {
    expect((await predict(imagenEdit(), { location: 'global' })).status).toBe(404);
    const gemini = await predict(imagenEdit(), { model: 'gemini-2.5-flash-image' });
    expect(gemini.json.error.status).toBe('FAILED_PRECONDITION');
  });

  it('checks the token and the project', async () => {
    expect((await predict(imagenEdit(), { token: 'ya29.other' })).json.error.status).toBe('UNAUTHENTICATED');
    expect((await predict(imagenEdit(), { project: 'someone-else' })).json.error.status).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('drops every sample to reasons when filtered, or answers {} without includeRaiReason', async () => {
    sim.queueOutcome('image-safety', 2);
    expect((await predict(imagenEdit({ sampleCount: 2, includeRaiReason: true }))).json.predictions).toEqual([
      { raiFilteredReason: expect.stringContaining('Support codes') },
      { raiFilteredReason: expect.stringContaining('Support codes') },
    ]);
    expect((await predict(imagenEdit({ sampleCount: 2 }))).json).toEqual({});
  });
});

describe('Gemini on the Vertex simulator', () => {
  const body = (content: Record<string, unknown>) => ({
    contents: [{ ...content, parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data: raw } }] }],
    generationConfig: {
      imageConfig: { personGeneration: 'ALLOW_ADULT', imageOutputOptions: { mimeType: 'image/jpeg' } },
    },
  });

  it('requires the role, and takes the Vertex-only imageConfig fields', async () => {
    const missing = await predict(body({}), { model: 'gemini-2.5-flash-image', method: 'generateContent' });
    expect(missing.json.error.message).toBe('Please use a valid role: user, model.');
    const ok = await predict(body({ role: 'user' }), {
      model: 'gemini-2.5-flash-image',
      method: 'generateContent',
    });
    expect(ok.status).toBe(200);
    const image = ok.json.candidates[0].content.parts.find((part: Json) => part.inlineData);
    expect(image.inlineData.mimeType).toBe('image/jpeg');
    expect(ok.json.usageMetadata.trafficType).toBe('ON_DEMAND');
  });
});

describe('the OAuth token endpoint', () => {
  it('exchanges a signed JWT for an access token the API then accepts', async () => {
    const { status, json } = await token(jwt(validClaims()));
    expect(status).toBe(200);
    expect(json).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      token_type: 'Bearer',
    });
    expect((await predict(imagenEdit({ sampleCount: 1 }), { token: json.access_token })).status).toBe(200);
  });

  it.each([
    ['a foreign signature', () => jwt(validClaims(), foreignKeys.privateKey), 'invalid_grant'],
    [
      'an expired token',
      () => jwt({ ...validClaims(), iat: now() - 7200, exp: now() - 3600 }),
      'invalid_grant',
    ],
    ['a wrong audience', () => jwt({ ...validClaims(), aud: 'https://example.com/token' }), 'invalid_grant'],
    ['no cloud-platform scope', () => jwt({ ...validClaims(), scope: 'email' }), 'invalid_scope'],
  ])('refuses %s', async (_name, assertion, error) => {
    const { status, json } = await token(assertion());
    expect(status).toBe(400);
    expect(json.error).toBe(error);
  });

  it('refuses another grant type', async () => {
    expect((await token('x', 'client_credentials')).json.error).toBe('unsupported_grant_type');
  });
});
