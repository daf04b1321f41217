/**
 * The streamed part of the proxy demo: the official `openai` client with `stream: true,
 * partial_images: 2` through the proxy, on an OpenAI deployment (its simulator paced like a long
 * edit, so the partial images arrive one by one) and on deployments whose upstream makes no
 * partial images (their final image comes as one `image_edit.completed` event). Prints when each
 * event arrived; writes every partial and final image to `demo-out/stream-*`.
 */
import { writeFile } from 'node:fs/promises';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { DemoAssets } from './assets.js';
import { type DemoProxy, MASTER_KEY } from './demo-proxy.js';
import { extensionOf } from './output.js';

/** Model groups of examples/demo.config.yaml streamed: OpenAI (real partials), Gemini and BFL (final image only). */
const STREAMED = [
  { group: 'gpt-image', prompt: 'Turn the scene into a watercolour' },
  { group: 'gemini-image-edit', prompt: 'Make it a winter scene' },
  { group: 'bfl-kontext-pro', prompt: 'Turn the scene into a night scene' },
];

/** The OpenAI simulator's pace in the demo: a first partial after 300 ms, then one every 300 ms. */
const PACE_MS = 300;

/**
 * Streams one edit per group through the proxy and prints its events as they arrive.
 *
 * @example
 * ```ts
 * await runStreamDemo({ url, client, demo, groups: new Set(proxy.router.modelGroups()), assets, outDir });
 * ```
 */
export async function runStreamDemo(options: {
  url: string;
  client: OpenAI;
  demo: DemoProxy;
  groups: ReadonlySet<string>;
  assets: DemoAssets;
  outDir: string;
}): Promise<number> {
  const { url, client, demo, groups, assets, outDir } = options;
  demo.setStreamTiming('openai', { firstEventDelayMs: PACE_MS, intervalMs: PACE_MS });
  console.log(
    `\nStreamed edits through the proxy: openai client, stream: true, partial_images: 2 (the OpenAI simulator sends an event every ${PACE_MS} ms)`,
  );
  console.log(
    `curl equivalent: curl -N ${url}/v1/images/edits -H "Authorization: Bearer ${MASTER_KEY}" -F model=gpt-image -F image=@examples/assets/landscape.png -F "prompt=Make it autumn" -F stream=true -F partial_images=2`,
  );
  let written = 0;
  for (const { group, prompt } of STREAMED) {
    if (!groups.has(group)) {
      console.log(`  ${group}: not in this config, not streamed`);
      continue;
    }
    const started = performance.now();
    const seen: string[] = [];
    try {
      const stream = await client.images.edit({
        model: group,
        image: await toFile(assets.landscape, 'landscape.png', { type: 'image/png' }),
        prompt,
        stream: true,
        partial_images: 2,
      });
      for await (const event of stream) {
        const at = `${Math.round(performance.now() - started)} ms`;
        const bytes = Buffer.from(event.b64_json, 'base64');
        const name =
          event.type === 'image_edit.partial_image' ? `partial-${event.partial_image_index}` : 'final';
        const file = `stream-${group}-${name}.${extensionOf(bytes)}`;
        await writeFile(`${outDir}${file}`, bytes);
        written += 1;
        seen.push(`${event.type} at ${at} → ${file}`);
      }
      console.log(`- ${group}:\n    ${seen.join('\n    ')}`);
    } catch (error) {
      console.log(`- ${group}: failed: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
  return written;
}
