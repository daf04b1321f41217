/**
 * The demo's proxy: starts a simulator of every provider whose package is built, points
 * `examples/demo.config.yaml`'s environment references at them, and starts `@retouch/proxy` with
 * that config on loopback. Used by the demo and by `pnpm console`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProviderPackage, parseModelId } from '@retouch/core';
import { createProxyServer, loadConfig, type ProxyServer } from '@retouch/proxy';
import * as testing from '@retouch/testing';

/** `general_settings.master_key` of demo.config.yaml. */
export const MASTER_KEY = 'sk-retouch-demo';
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

type Started = Pick<testing.Simulator, 'close' | 'url'> & Partial<testing.Simulator> & { tokenUri?: string };

async function startAvailable(): Promise<{
  started: Map<string, Started>;
  env: Record<string, string>;
  prefixes: Set<string>;
  skipped: string[];
}> {
  const started = new Map<string, Started>();
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
    started.set(wiring.prefix, sim);
    Object.assign(env, await wiring.env(sim));
    prefixes.add(wiring.prefix);
  }
  return { started, env, prefixes, skipped };
}

/** A running demo proxy. */
export interface DemoProxy {
  proxy: ProxyServer;
  url: string;
  /** Model groups served. */
  groups: number;
  /** Providers left out, and why. */
  skipped: string[];
  /** Queues a fault on a provider's simulator (`gemini`, `openai`, …); false when it is not running. */
  injectFault(prefix: string, fault: testing.Fault, options?: testing.FaultOptions): boolean;
  /** Sets when a provider's simulator sends stream events; false when it is not running. */
  setStreamTiming(prefix: string, timing: testing.StreamTiming): boolean;
  /** Stops the proxy, then the simulators. */
  stop(): Promise<void>;
}

/**
 * Starts the simulators and the proxy.
 *
 * @example
 * ```ts
 * const demo = await startDemoProxy({ port: 0 });
 * console.log(`${demo.url}/ui`);
 * await demo.stop();
 * ```
 */
export async function startDemoProxy(options: { port?: number; host?: string } = {}): Promise<DemoProxy> {
  const { started, env, prefixes, skipped } = await startAvailable();
  const closeSimulators = () =>
    Promise.all([...started.values()].map((s) => s.close())).then(() => undefined);
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
    const url = await proxy
      .listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
      .catch(async (error: unknown) => {
        await proxy.close();
        throw error;
      });
    return {
      proxy,
      url,
      groups: modelList.length,
      skipped,
      injectFault(prefix, fault, faultOptions) {
        const sim = started.get(prefix);
        if (!sim?.injectFault) return false;
        sim.injectFault(fault, faultOptions);
        return true;
      },
      setStreamTiming(prefix, timing) {
        const sim = started.get(prefix);
        if (!sim?.setStreamTiming) return false;
        sim.setStreamTiming(timing);
        return true;
      },
      async stop() {
        await proxy.close();
        await closeSimulators();
      },
    };
  } catch (error) {
    await closeSimulators();
    throw error;
  }
}
