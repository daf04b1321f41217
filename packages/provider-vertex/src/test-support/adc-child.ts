/**
 * A Vertex edit on Application Default Credentials with no project set, run in a process of its
 * own (Jest's module sandbox cannot load the Google client's HTTP layer reliably): the project
 * lookup goes to the metadata server named by `GCE_METADATA_HOST`. Prints `{ name, message, ms }`
 * of the call's failure as one JSON line.
 */
import { imageEdit } from '@retouch/core';
import { createPng } from '@retouch/testing';
import { createVertex } from '../vertex-provider.js';

const timeoutMs = Number(process.argv[2] ?? 1000);
const vertex = createVertex({ baseURL: 'http://127.0.0.1:9' });
const started = Date.now();
try {
  await imageEdit(
    { model: 'gemini-2.5-flash-image', image: createPng(8, 8), prompt: 'Make it blue', timeout: timeoutMs },
    { provider: vertex },
  );
  process.stdout.write(`${JSON.stringify({ name: 'success', ms: Date.now() - started })}\n`);
} catch (error) {
  const { name, message } = error as Error;
  process.stdout.write(`${JSON.stringify({ name, message, ms: Date.now() - started })}\n`);
}
// The Google client's own lookup may still be waiting; this process is done.
process.exit(0);
