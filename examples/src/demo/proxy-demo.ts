/**
 * The proxy part of the demo: starts every upstream simulator whose provider package is built,
 * starts `@retouch/proxy` on loopback with `examples/demo.config.yaml`, and edits the bundled
 * pictures through it with the official `openai` npm client (one image, several images, a mask)
 * and with a multipart body byte for byte as `curl -F` sends it. Prints model group → provider,
 * latency and cost per call; writes the results to `demo-out/proxy-*`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProviderPackage, parseModelId } from '@retouch/core';
import { createProxyServer, loadConfig } from '@retouch/proxy';
import * as testing from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import type { DemoAssets } from './assets.js';
import { bytesOf, extensionOf, filesCell, formatTable, PROXY_COLUMNS } from './output.js';

const MASTER_KEY = 'sk-retouch-demo';
const CONFIG = fileURLToPath(new URL('../../demo.config.yaml', import.meta.url));

/** How each provider's simulator is started and wired into demo.config.yaml's environment references. */
interface Wiring {
  prefix: string;
  simulator: string;
  options: Record<string, unknown>;
  env(sim: Started): Record<string, string> | Promise<Record<string, string>>;
}

const VERTEX_EMAIL = 'retouch-demo@retouch-demo.iam.gserviceaccount.com';
const vertexKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** A service-account key file whose token_uri is the Vertex simulator's OAuth endpoint. */
async function vertexKeyFile(tokenUri: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'retouch-demo-')), 'service-account.json');
  const key = {
    type: 'service_account',
    project_id: 'retouch-demo',
    private_key_id: 'demo-key',
    private_key: vertexKeys.privateKey,
    client_email: VERTEX_EMAIL,
    token_uri: tokenUri,
  };
  await writeFile(file, JSON.stringify(key));
  return file;
}

const WIRING: Wiring[] = [
  {
    prefix: 'openai',
    simulator: 'startOpenAISimulator',
    options: { apiKey: 'sk-demo-openai' },
    env: ({ url }) => ({ DEMO_OPENAI_KEY: 'sk-demo-openai', DEMO_OPENAI_BASE: `${url}/v1` }),
  },
  {
    prefix: 'gemini',
    simulator: 'startGeminiSimulator',
    options: { apiKey: 'demo-gemini-key' },
    env: ({ url }) => ({ DEMO_GEMINI_KEY: 'demo-gemini-key', DEMO_GEMINI_BASE: url }),
  },
  {
    prefix: 'vertex_ai',
    simulator: 'startVertexSimulator',
    options: {
      project: 'retouch-demo',
      serviceAccount: { clientEmail: VERTEX_EMAIL, publicKey: vertexKeys.publicKey },
    },
    env: async ({ url, tokenUri }) => ({
      DEMO_VERTEX_CREDENTIALS: tokenUri ? await vertexKeyFile(tokenUri) : 'unavailable',
      DEMO_VERTEX_BASE: url,
    }),
  },
  {
    prefix: 'openrouter',
    simulator: 'startOpenRouterSimulator',
    options: { apiKey: 'sk-or-demo' },
    env: ({ url }) => ({ DEMO_OPENROUTER_KEY: 'sk-or-demo', DEMO_OPENROUTER_BASE: `${url}/api/v1` }),
  },
  {
    prefix: 'black_forest_labs',
    simulator: 'startBFLSimulator',
    options: { apiKey: 'bfl-demo', pendingPolls: 1 },
    env: ({ url }) => ({ DEMO_BFL_KEY: 'bfl-demo', DEMO_BFL_BASE: url }),
  },
  {
    prefix: 'stability',
    simulator: 'startStabilitySimulator',
    options: { apiKey: 'sk-stability-demo', pendingPolls: 1 },
    env: ({ url }) => ({ DEMO_STABILITY_KEY: 'sk-stability-demo', DEMO_STABILITY_BASE: url }),
  },
  {
    prefix: 'bedrock',
    simulator: 'startBedrockSimulator',
    options: {},
    env: ({ url }) => ({
      DEMO_AWS_ACCESS_KEY_ID: 'AKIASIMULATOR0000001',
      DEMO_AWS_SECRET_ACCESS_KEY: 'bedrock-simulator-secret-key-0000000000',
      DEMO_BEDROCK_BASE: url,
    }),
  },
];

type Started = { close(): Promise<void>; url: string; tokenUri?: string };
type Kind = 'single' | 'multi' | 'mask' | 'curl';

/** One call of the proxy demo. */
interface ProxyCase {
  group: string;
  kind: Kind;
  prompt: string;
}

const CASES: ProxyCase[] = [
  { group: 'gpt-image-1', kind: 'single', prompt: 'Turn the scene into a watercolour' },
  { group: 'gpt-image-1', kind: 'multi', prompt: 'Float the balloon from the second image above the hills' },
  { group: 'gpt-image-1', kind: 'mask', prompt: 'Replace the sun with a full moon' },
  { group: 'gpt-image-1', kind: 'curl', prompt: 'Make it autumn' },
  { group: 'gemini-image-edit', kind: 'multi', prompt: 'Put the balloon in the sky' },
  { group: 'vertex-gemini-image-edit', kind: 'single', prompt: 'Make it a winter scene' },
  { group: 'vertex-imagen-image-edit', kind: 'mask', prompt: 'A sky full of stars' },
  { group: 'openrouter-gemini', kind: 'multi', prompt: 'Put the balloon in the sky' },
  { group: 'bfl-kontext-pro', kind: 'curl', prompt: 'Turn the scene into a winter landscape' },
  { group: 'bfl-fill', kind: 'mask', prompt: 'A sky full of stars' },
  { group: 'stability-inpaint', kind: 'mask', prompt: 'A stormy sky' },
  { group: 'bedrock-inpaint', kind: 'mask', prompt: 'A pink sunset sky' },
];

const KIND_LABEL: Record<Kind, string> = {
  single: 'openai client, 1 image',
  multi: 'openai client, 2 images',
  mask: 'openai client, image + mask',
  curl: 'curl-style multipart',
};

async function startAvailable(): Promise<{
  started: Started[];
  env: Record<string, string>;
  prefixes: Set<string>;
  skipped: string[];
}> {
  const started: Started[] = [];
  const env: Record<string, string> = {};
  const prefixes = new Set<string>();
  const skipped: string[] = [];
  const factories = testing as unknown as Record<string, unknown>;
  for (const wiring of WIRING) {
    const factory = factories[wiring.simulator];
    const provider = await loadProviderPackage(wiring.prefix).then(
      () => true,
      () => false,
    );
    // Placeholders keep the config loadable; the groups of missing providers are left out below.
    Object.assign(env, await wiring.env({ url: 'http://127.0.0.1:9', close: async () => {} }));
    if (typeof factory !== 'function' || !provider) {
      skipped.push(
        `${wiring.prefix} (${typeof factory !== 'function' ? `no ${wiring.simulator} yet` : 'provider package not built yet'})`,
      );
      continue;
    }
    const sim = (await (factory as (o: unknown) => Promise<Started>)(wiring.options)) as Started;
    started.push(sim);
    Object.assign(env, await wiring.env(sim));
    prefixes.add(wiring.prefix);
  }
  return { started, env, prefixes, skipped };
}

/** The same multipart body `curl -F model=… -F image=@… -F prompt=…` sends. */
function curlBody(
  fields: Record<string, string>,
  files: { name: string; filename: string; bytes: Buffer }[],
) {
  const boundary = '------------------------retouchdemo0000000000';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

interface Outcome {
  data: { b64_json?: string; url?: string }[];
  headers: Headers;
}

async function call(url: string, client: OpenAI, demoCase: ProxyCase, assets: DemoAssets): Promise<Outcome> {
  const png = (bytes: Buffer, name: string) => toFile(bytes, name, { type: 'image/png' });
  const { group: model, prompt } = demoCase;
  if (demoCase.kind === 'curl') {
    const { body, contentType } = curlBody({ model, prompt }, [
      { name: 'image', filename: 'landscape.png', bytes: assets.landscape },
    ]);
    const response = await fetch(`${url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': contentType },
      body,
    });
    const json = (await response.json()) as { data?: Outcome['data']; error?: { message: string } };
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${json.error?.message}`);
    return { data: json.data ?? [], headers: response.headers };
  }
  const image =
    demoCase.kind === 'multi'
      ? [await png(assets.landscape, 'landscape.png'), await png(assets.balloon, 'balloon.png')]
      : await png(assets.landscape, 'landscape.png');
  const mask = demoCase.kind === 'mask' ? await png(assets.mask, 'mask.png') : undefined;
  const { data, response } = await client.images
    .edit({ model, prompt, image, ...(mask ? { mask } : {}) })
    .withResponse();
  return { data: data.data ?? [], headers: response.headers };
}

/**
 * Runs the proxy demo.
 *
 * @example
 * ```ts
 * await runProxyDemo({ assets: await loadAssets(), outDir: '/path/to/demo-out/' });
 * ```
 */
export async function runProxyDemo({
  assets,
  outDir,
}: {
  assets: DemoAssets;
  outDir: string;
}): Promise<number> {
  const { started, env, prefixes, skipped } = await startAvailable();
  try {
    const loaded = await loadConfig(CONFIG, { env: { ...process.env, ...env } });
    const providerOf = (model: string) => parseModelId(model).prefix;
    const modelList = loaded.router.model_list.filter((d) =>
      prefixes.has(providerOf(d.litellm_params.model)),
    );
    const proxy = await createProxyServer({
      config: { ...loaded, router: { ...loaded.router, model_list: modelList } },
      logger: false,
    });
    const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
    console.log(`\nretouch proxy on ${url} (examples/demo.config.yaml, ${modelList.length} model groups)`);
    if (skipped.length > 0) console.log(`not in this run: ${skipped.join('; ')}`);
    console.log(
      `curl equivalent: curl ${url}/v1/images/edits -H "Authorization: Bearer ${MASTER_KEY}" -F model=gpt-image-1 -F image=@examples/assets/landscape.png -F "prompt=Make it autumn"\n`,
    );
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
    const groups = new Set(proxy.router.modelGroups());
    const rows: string[][] = [];
    const failures: string[] = [];
    let written = 0;
    try {
      for (const [index, demoCase] of CASES.entries()) {
        if (!groups.has(demoCase.group)) continue;
        const started = performance.now();
        try {
          const { data, headers } = await call(url, client, demoCase, assets);
          const latency = `${Math.round(performance.now() - started)} ms`;
          const files: string[] = [];
          for (const [i, item] of data.entries()) {
            const bytes = await bytesOf(item);
            // Named by what the bytes are: a JPEG answer is a .jpg, never a broken .png.
            const file = `proxy-${index + 1}-${demoCase.group}-${i + 1}.${extensionOf(bytes)}`;
            await writeFile(`${outDir}${file}`, bytes);
            files.push(file);
          }
          written += files.length;
          const cost = headers.get('x-retouch-response-cost');
          rows.push([
            `${demoCase.group} → ${headers.get('x-retouch-provider') ?? '?'}`,
            KIND_LABEL[demoCase.kind],
            latency,
            cost === null ? 'unknown' : `$${Number(cost).toFixed(4)}`,
            filesCell(files),
          ]);
        } catch (error) {
          rows.push([demoCase.group, KIND_LABEL[demoCase.kind], '-', '-', 'failed (see below)']);
          failures.push(`${demoCase.group}: ${(error as Error).message}`);
          process.exitCode = 1;
        }
      }
    } finally {
      await proxy.close();
    }
    for (const line of formatTable(PROXY_COLUMNS, rows)) console.log(line);
    if (failures.length > 0) console.log(`\nFailed:\n- ${failures.join('\n- ')}`);
    console.log(`\nWrote ${written} images through the proxy to ${outDir}`);
    return written;
  } finally {
    await Promise.all(started.map((s) => s.close()));
  }
}
