import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadRequestError,
  decodePngPixels,
  getMeta,
  imageEdit,
  type RetouchError,
} from '@retouch/core';
import {
  createOpenAIMask,
  createPng,
  imagenReferences,
  rejectionOf,
  startVertexSimulator,
  VERTEX_TOKEN_PATH,
  type VertexSimulator,
} from '@retouch/testing';
import { createVertex, providerPackage } from './vertex-provider.js';

const CLIENT_EMAIL = 'retouch-test@sim-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const otherKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let sim: VertexSimulator;
let dir: string;
const savedEnv = { ...process.env };

function keyFile(privateKey = keys.privateKey, tokenUri = sim.tokenUri): Record<string, unknown> {
  return {
    type: 'service_account',
    project_id: 'sim-project',
    private_key_id: 'sim-key-1',
    private_key: privateKey,
    client_email: CLIENT_EMAIL,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    universe_domain: 'googleapis.com',
  };
}

const tokenRequests = () => sim.requests.filter((request) => request.path === VERTEX_TOKEN_PATH);
const modelRequests = () => sim.requests.filter((request) => request.path !== VERTEX_TOKEN_PATH);
const image = createPng(64, 64, { color: [220, 180, 40] });
const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });

beforeAll(async () => {
  sim = await startVertexSimulator({
    project: 'sim-project',
    serviceAccount: { clientEmail: CLIENT_EMAIL, publicKey: keys.publicKey },
  });
  dir = await mkdtemp(join(tmpdir(), 'retouch-vertex-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const GOOGLE_ENV = [
  'VERTEXAI_PROJECT',
  'VERTEXAI_LOCATION',
  'VERTEX_LOCATION',
  'VERTEXAI_CREDENTIALS',
  'VERTEXAI_API_BASE',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'GOOGLE_CLOUD_LOCATION',
];

function clearGoogleEnv(): void {
  for (const name of GOOGLE_ENV) delete process.env[name];
}

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADC_CHILD = fileURLToPath(new URL('./test-support/adc-child.ts', import.meta.url));

describe('the issue: Imagen with an OpenAI-style mask, configured from the environment', () => {
  it('signs a JWT, gets a token from token_uri, and sends RAW + white-means-edit MASK with sampleCount = n', async () => {
    clearGoogleEnv();
    const file = join(dir, 'sa.json');
    await writeFile(file, JSON.stringify(keyFile()));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    process.env.VERTEXAI_PROJECT = 'sim-project';
    process.env.VERTEXAI_LOCATION = 'us-central1';
    process.env.VERTEXAI_API_BASE = sim.url;

    const response = await imageEdit(
      { model: 'vertex_ai/imagen-3.0-capability-001', image, mask, prompt: 'A vase of tulips', n: 2 },
      { allowRetired: true },
    );

    expect(tokenRequests()).toHaveLength(1);
    const form = new URLSearchParams(tokenRequests()[0]?.rawBody.toString());
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = JSON.parse(
      Buffer.from(form.get('assertion')?.split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims).toMatchObject({
      iss: CLIENT_EMAIL,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });

    const request = modelRequests()[0];
    expect(request?.path).toBe(
      '/v1/projects/sim-project/locations/us-central1/publishers/google/models/imagen-3.0-capability-001:predict',
    );
    const token = /^Bearer (.+)$/.exec(request?.headers.authorization ?? '')?.[1] ?? '';
    expect(sim.issuedTokens.has(token)).toBe(true);

    const references = request ? imagenReferences(request) : [];
    const sentMask = Buffer.from(String(references[1]?.referenceImage?.bytesBase64Encoded), 'base64');
    expect(request?.json).toEqual({
      instances: [
        {
          prompt: 'A vase of tulips',
          referenceImages: [
            {
              referenceType: 'REFERENCE_TYPE_RAW',
              referenceId: 1,
              referenceImage: { bytesBase64Encoded: image.toString('base64') },
            },
            {
              referenceType: 'REFERENCE_TYPE_MASK',
              referenceId: 2,
              referenceImage: { bytesBase64Encoded: sentMask.toString('base64') },
              maskImageConfig: { maskMode: 'MASK_MODE_USER_PROVIDED' },
            },
          ],
        },
      ],
      parameters: { editMode: 'EDIT_MODE_INPAINT_INSERTION', sampleCount: 2, includeRaiReason: true },
    });
    // OpenAI's mask is transparent where to edit; Imagen's is white there, black elsewhere, opaque.
    const { width, data } = await decodePngPixels(sentMask);
    const pixel = (x: number, y: number) => [...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
    expect(pixel(32, 32)).toEqual([255, 255, 255, 255]);
    expect(pixel(2, 2)).toEqual([0, 0, 0, 255]);

    expect(response.data).toHaveLength(2);
    // Imagen editing has no verified price (and is discontinued): the cost is unknown, not made up.
    expect(getMeta(response)).toMatchObject({ provider: 'vertex_ai', costUsd: null });

    // The token is cached: a second call signs nothing new.
    await imageEdit(
      { model: 'vertex_ai/imagen-3.0-capability-001', image, mask, prompt: 'Tulips' },
      { allowRetired: true },
    );
    expect(tokenRequests()).toHaveLength(1);
    expect(modelRequests()).toHaveLength(2);
  });
});

describe('application default credentials', () => {
  it('a project lookup waiting on a metadata server that never answers ends at the call deadline', async () => {
    const held: ServerResponse[] = [];
    const silent = createServer((_request, response) => void held.push(response));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
    for (const name of GOOGLE_ENV) delete env[name];
    env.GCE_METADATA_HOST = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const { stdout } = await run(
        process.execPath,
        ['--conditions=@retouch/source', '--import', './tools/ts-run/register.mjs', ADC_CHILD, '1500'],
        { cwd: ROOT, env, timeout: 30_000 },
      );
      const outcome = JSON.parse(stdout.trim()) as { name: string; message: string; ms: number };
      expect(outcome.name).toBe('TimeoutError');
      expect(outcome.message).toContain('1500 ms');
      // Deadline + 1 s. Unbounded, the lookup waited out the Google client's own 3 s metadata timeout.
      expect(outcome.ms).toBeLessThan(2500);
      // Not asserted that the metadata server was reached: on a loaded machine the lookup may still
      // be at its gcloud step at the deadline, which the same bound ends.
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 40_000);
});

describe('service-account credentials', () => {
  it('takes vertex_credentials as JSON text, and the project from the key file', async () => {
    clearGoogleEnv();
    const vertex = createVertex({ credentials: JSON.stringify(keyFile()), baseURL: sim.url });
    await imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'Make it blue' }, { provider: vertex });
    expect(tokenRequests()).toHaveLength(1);
    expect(modelRequests()[0]?.path).toBe(
      '/v1/projects/sim-project/locations/us-central1/publishers/google/models/gemini-2.5-flash-image:generateContent',
    );
  });

  it('takes vertex_credentials as a path, through the LiteLLM deployment settings', async () => {
    clearGoogleEnv();
    const file = join(dir, 'deployment-sa.json');
    await writeFile(file, JSON.stringify(keyFile()));
    const vertex = providerPackage.create({
      vertex_project: 'sim-project',
      vertex_location: 'europe-west4',
      vertex_credentials: file,
      api_base: sim.url,
    });
    await imageEdit(
      { model: 'imagen-3.0-capability-001', image, mask, prompt: 'A lamp' },
      { provider: vertex, allowRetired: true },
    );
    expect(modelRequests()[0]?.path).toContain('/locations/europe-west4/');
    expect(tokenRequests()).toHaveLength(1);
  });

  it('a key the token endpoint rejects is an AuthenticationError that leaks no key', async () => {
    clearGoogleEnv();
    const forged = keyFile(otherKeys.privateKey);
    const vertex = createVertex({ credentials: forged, project: 'sim-project', baseURL: sim.url });
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x' }, { provider: vertex }),
      AuthenticationError,
    );
    expect(error.message).toContain('invalid_grant');
    expect(error.status).toBe(401);
    expect(modelRequests()).toHaveLength(0);
    const surfaces = [error.message, JSON.stringify(error), error.stack ?? '', String(error.cause ?? '')];
    for (const text of surfaces) expect(text).not.toContain('PRIVATE KEY');
  });

  it.each([
    ['malformed JSON text', '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----abc'],
    ['a missing file', '/nonexistent/retouch-sa.json'],
  ])('%s is an AuthenticationError that does not quote the credentials', async (_name, credentials) => {
    clearGoogleEnv();
    const vertex = createVertex({ credentials, project: 'sim-project', baseURL: sim.url });
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x' }, { provider: vertex }),
      AuthenticationError,
    );
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    expect(sim.requests).toHaveLength(0);
  });
});

describe('injected access tokens and the project', () => {
  it('calls an accessToken function per request', async () => {
    clearGoogleEnv();
    let calls = 0;
    const vertex = createVertex({
      accessToken: async () => {
        calls += 1;
        return 'ya29.sim-vertex-token';
      },
      project: 'sim-project',
      baseURL: sim.url,
    });
    await imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x' }, { provider: vertex });
    await imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'y' }, { provider: vertex });
    expect(calls).toBe(2);
    expect(sim.lastRequest().headers.authorization).toBe('Bearer ya29.sim-vertex-token');
  });

  it('a missing project is a BadRequestError naming the setting, before any call', async () => {
    clearGoogleEnv();
    const vertex = createVertex({ accessToken: 'ya29.sim-vertex-token', baseURL: sim.url });
    const error: RetouchError = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x' }, { provider: vertex }),
      BadRequestError,
    );
    expect(error.param).toBe('vertex_project');
    expect(error.message).toContain('VERTEXAI_PROJECT');
    expect(sim.requests).toHaveLength(0);
  });

  it('a project the credentials may not use is a 403 from the upstream', async () => {
    clearGoogleEnv();
    const vertex = createVertex({
      accessToken: 'ya29.sim-vertex-token',
      project: 'other-project',
      baseURL: sim.url,
    });
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x' }, { provider: vertex }),
      Error as never,
    );
    expect((error as RetouchError).status).toBe(403);
    expect((error as RetouchError).code).toBe('PERMISSION_DENIED');
  });
});
