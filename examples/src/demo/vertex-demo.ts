import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVertexSimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const PROJECT = 'retouch-demo';
const CLIENT_EMAIL = `demo@${PROJECT}.iam.gserviceaccount.com`;
const ENV_VARS = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'VERTEXAI_PROJECT',
  'VERTEXAI_LOCATION',
  'VERTEXAI_API_BASE',
];

/**
 * Vertex AI with a real service-account flow, offline: a fresh RSA key, a key file whose
 * `token_uri` is the simulator's token endpoint, and GOOGLE_APPLICATION_CREDENTIALS pointing at it,
 * so google-auth-library signs a JWT and exchanges it for an access token as it would with Google.
 */
export const vertexDemo: DemoProvider = {
  async start() {
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const simulator = await startVertexSimulator({
      project: PROJECT,
      serviceAccount: { clientEmail: CLIENT_EMAIL, publicKey: keys.publicKey },
    });
    const dir = await mkdtemp(join(tmpdir(), 'retouch-vertex-demo-'));
    const keyFile = join(dir, 'service-account.json');
    await writeFile(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: PROJECT,
        private_key_id: 'demo',
        private_key: keys.privateKey,
        client_email: CLIENT_EMAIL,
        token_uri: simulator.tokenUri,
      }),
    );
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    process.env.VERTEXAI_PROJECT = PROJECT;
    process.env.VERTEXAI_LOCATION = 'us-central1';
    process.env.VERTEXAI_API_BASE = simulator.url;
    return async () => {
      for (const name of ENV_VARS) delete process.env[name];
      await simulator.close();
      await rm(dir, { recursive: true, force: true });
    };
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'vertex: gemini 3.1 flash, 1536x1024 → 3:2',
      slug: 'vertex-gemini',
      params: {
        model: 'vertex_ai/gemini-3.1-flash-image',
        image: [landscape, balloon],
        prompt: 'Float the balloon above the hills',
        size: '1536x1024',
      },
    },
    {
      title: 'vertex: gemini 3 pro, quality high → 4K, n=2',
      slug: 'vertex-gemini-pro',
      params: {
        model: 'vertex_ai/gemini-3-pro-image',
        image: balloon,
        prompt: 'Over a snowy mountain range',
        quality: 'high',
        n: 2,
      },
    },
    {
      title: 'vertex: imagen 3 editing (discontinued)',
      slug: 'vertex-imagen-retired',
      params: { model: 'vertex_ai/imagen-3.0-capability-001', image: landscape, mask, prompt: 'Stars' },
      expectError: true,
    },
  ],
};
