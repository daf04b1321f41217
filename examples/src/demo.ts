/**
 * The offline demo: starts the upstream simulators on 127.0.0.1, edits the bundled pictures through
 * `imageEdit()` exactly as an application would (provider found from the model prefix, configured
 * from the environment), writes every result to `demo-out/` and prints model, latency and cost.
 * Each provider adds its cases in its own file under `src/demo/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getMeta, type ImageEditParams, imageEdit, RetouchError } from '@retouch/core';
import { loadAssets } from './demo/assets.js';
import type { DemoCase, DemoProvider } from './demo/demo-case.js';
import { bedrockDemo } from './demo/bedrock-demo.js';
import { bflDemo } from './demo/bfl-demo.js';
import { geminiDemo } from './demo/gemini-demo.js';
import { openaiDemo } from './demo/openai-demo.js';
import { openrouterDemo } from './demo/openrouter-demo.js';
import { bytesOf, CASE_COLUMNS, extensionOf, filesCell, formatTable } from './demo/output.js';
import { runProxyDemo } from './demo/proxy-demo.js';
import { stabilityDemo } from './demo/stability-demo.js';
import { vertexDemo } from './demo/vertex-demo.js';

const providers: DemoProvider[] = [
  openaiDemo,
  geminiDemo,
  vertexDemo,
  openrouterDemo,
  bflDemo,
  stabilityDemo,
  bedrockDemo,
];
const outDir = fileURLToPath(new URL('../../demo-out/', import.meta.url));

/** One row of the table, and the full reason when the case was rejected. */
interface CaseRow {
  cells: string[];
  note?: string;
}

async function runCase(demoCase: DemoCase): Promise<CaseRow> {
  const started = performance.now();
  try {
    const response = await imageEdit(demoCase.params as ImageEditParams);
    const meta = getMeta(response);
    const files: string[] = [];
    for (const [index, item] of response.data.entries()) {
      const bytes = await bytesOf(item);
      const file = `${demoCase.slug}-${index + 1}.${extensionOf(bytes)}`;
      await writeFile(`${outDir}${file}`, bytes);
      files.push(file);
    }
    const cost = meta.costUsd === null ? 'unknown' : `$${meta.costUsd.toFixed(4)}`;
    return {
      cells: [
        demoCase.title,
        `${meta.provider}/${meta.model}`,
        String(files.length),
        `${meta.latencyMs} ms`,
        cost,
        filesCell(files),
      ],
    };
  } catch (error) {
    const latency = `${Math.round(performance.now() - started)} ms`;
    const what = RetouchError.isInstance(error)
      ? `${error.name} ${error.status}: ${error.message}`
      : String(error);
    if (!demoCase.expectError) throw error;
    const name = RetouchError.isInstance(error) ? `${error.name} ${error.status}` : 'error';
    return {
      cells: [demoCase.title, demoCase.params.model as string, '0', latency, '-', `rejected: ${name}`],
      note: `${demoCase.title}: ${what}`,
    };
  }
}

function printTable(rows: CaseRow[]): void {
  for (const line of formatTable(
    CASE_COLUMNS,
    rows.map((row) => row.cells),
  ))
    console.log(line);
  const notes = rows.flatMap((row) => (row.note ? [row.note] : []));
  if (notes.length > 0)
    console.log(`\nRejected before any upstream call, as intended:\n- ${notes.join('\n- ')}`);
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const assets = await loadAssets();
  const rows: CaseRow[] = [];
  for (const provider of providers) {
    const stop = await provider.start();
    try {
      for (const demoCase of provider.cases(assets)) rows.push(await runCase(demoCase));
    } finally {
      await stop();
    }
  }
  printTable(rows);
  console.log(`\nWrote ${rows.reduce((n, r) => n + Number(r.cells[2]), 0)} images to ${outDir}`);
  await runProxyDemo({ assets, outDir });
  console.log(
    '\nWeb console: `npx -y pnpm@10.34.9 console` starts this proxy over the simulators and keeps it running, with its console at http://127.0.0.1:4000/ui (sign in with sk-retouch-demo).',
  );
}

main().catch((error: unknown) => {
  console.error(RetouchError.isInstance(error) ? JSON.stringify(error.toJSON()) : error);
  process.exitCode = 1;
});
