/**
 * The proxy part of the demo: starts every upstream simulator whose provider package is built,
 * starts `@retouch/proxy` on loopback with `examples/demo.config.yaml`, and edits the bundled
 * pictures through it with the official `openai` npm client (one image, several images, a mask)
 * and with a multipart body byte for byte as `curl -F` sends it. Prints model group → provider,
 * latency and cost per call; writes the results to `demo-out/proxy-*`.
 */
import { writeFile } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';
import type { DemoAssets } from './assets.js';
import { MASTER_KEY, startDemoProxy } from './demo-proxy.js';
import { bytesOf, extensionOf, filesCell, formatTable, PROXY_COLUMNS } from './output.js';
import { runStreamDemo } from './stream-demo.js';

type Kind = 'single' | 'multi' | 'mask' | 'curl';

/** One call of the proxy demo (also the warm-up traffic of `pnpm console`). */
export interface ProxyCase {
  group: string;
  kind: Kind;
  prompt: string;
}

export const CASES: ProxyCase[] = [
  { group: 'gpt-image', kind: 'single', prompt: 'Turn the scene into a watercolour' },
  { group: 'gpt-image', kind: 'multi', prompt: 'Float the balloon from the second image above the hills' },
  { group: 'gpt-image', kind: 'mask', prompt: 'Replace the sun with a full moon' },
  { group: 'gpt-image', kind: 'curl', prompt: 'Make it autumn' },
  { group: 'gemini-image-edit', kind: 'multi', prompt: 'Put the balloon in the sky' },
  { group: 'vertex-gemini-image-edit', kind: 'single', prompt: 'Make it a winter scene' },
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

export async function call(
  url: string,
  client: OpenAI,
  demoCase: ProxyCase,
  assets: DemoAssets,
): Promise<Outcome> {
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
  const demo = await startDemoProxy();
  const { proxy, url, skipped } = demo;
  console.log(`\nretouch proxy on ${url} (examples/demo.config.yaml, ${demo.groups} model groups)`);
  if (skipped.length > 0) console.log(`not in this run: ${skipped.join('; ')}`);
  console.log(
    `curl equivalent: curl ${url}/v1/images/edits -H "Authorization: Bearer ${MASTER_KEY}" -F model=gpt-image -F image=@examples/assets/landscape.png -F "prompt=Make it autumn"\n`,
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
    for (const line of formatTable(PROXY_COLUMNS, rows)) console.log(line);
    if (failures.length > 0) console.log(`\nFailed:\n- ${failures.join('\n- ')}`);
    console.log(`\nWrote ${written} images through the proxy to ${outDir}`);
    written += await runStreamDemo({ url, client, demo, groups, assets, outDir });
  } finally {
    await demo.stop();
  }
  return written;
}
