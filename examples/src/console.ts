/**
 * `pnpm console`: the demo's proxy over the local simulators, left running, with its web console at
 * `/ui`. It first sends each demo edit once through the proxy, and two that fail (a bad request and
 * an upstream error), so every console page has something to show. Ctrl-C stops it.
 *
 *   npx -y pnpm@10.34.9 console [--port 4000] [--host 127.0.0.1] [--no-traffic]
 */
import { parseArgs } from 'node:util';
import OpenAI, { toFile } from 'openai';
import { loadAssets } from './demo/assets.js';
import { type DemoProxy, MASTER_KEY, startDemoProxy } from './demo/demo-proxy.js';
import { CASES, call } from './demo/proxy-demo.js';

async function warmUp(demo: DemoProxy): Promise<string> {
  const { url } = demo;
  const assets = await loadAssets();
  const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  let ok = 0;
  let failed = 0;
  const count = (p: Promise<unknown>) =>
    p.then(
      () => ok++,
      () => failed++,
    );
  for (const demoCase of CASES) await count(call(url, client, demoCase, assets));
  // Two failures for the Logs page: a request no deployment can take, and an upstream 503 that
  // outlasts the config's one retry.
  const image = () => toFile(assets.landscape, 'landscape.png', { type: 'image/png' });
  await count(client.images.edit({ model: 'gpt-image', prompt: 'Add a hat', image: await image(), n: 11 }));
  if (demo.injectFault('gemini', { type: 'status', status: 503 }, { times: 2 })) {
    await count(
      client.images.edit({ model: 'gemini-image-edit', prompt: 'Add a hat', image: await image() }),
    );
  }
  return `${ok} edits served, ${failed} refused or failed`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p', default: process.env.PORT ?? '4000' },
      host: { type: 'string', short: 'H', default: '127.0.0.1' },
      'no-traffic': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  let demo: DemoProxy;
  try {
    demo = await startDemoProxy({ port, host: values.host });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      console.error(`port ${port} is taken: run it on another, e.g. pnpm console --port ${port + 100}`);
      process.exit(1);
    }
    throw error;
  }
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the proxy and the simulators`);
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  console.log(
    `retouch proxy on ${demo.url} over the local simulators (examples/demo.config.yaml, ${demo.groups} model groups)`,
  );
  if (demo.skipped.length > 0) console.log(`not in this run: ${demo.skipped.join('; ')}`);
  if (!values['no-traffic']) console.log(`warm-up traffic: ${await warmUp(demo)}`);
  console.log(`\nretouch console: ${demo.url}/ui  (sign in with the master key ${MASTER_KEY})`);
  console.log('Ctrl-C stops it.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
