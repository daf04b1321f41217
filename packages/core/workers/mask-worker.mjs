/**
 * The mask worker (node:worker_threads): decodes a PNG mask, turns it into the wanted convention and
 * encodes it again, off the event loop. Plain JavaScript so that it runs as shipped, from `src` in
 * tests and from `dist` in the package alike. Messages: `{ id, bytes, convention }` in,
 * `{ id, bytes, width, height }` or `{ id, error }` out.
 */
import { parentPort } from 'node:worker_threads';
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** Per-pixel edit weight 0..255 (255 = edit fully) in the mask's own convention. */
function editWeights({ data, width, height }) {
  const weights = new Uint8Array(width * height);
  let anyTransparent = false;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] < 255) {
      anyTransparent = true;
      break;
    }
  }
  for (let i = 0, p = 0; p < weights.length; i += 4, p++) {
    // Transparency marks the edit; an opaque mask is black/white, read by its Rec. 601 luma.
    weights[p] = anyTransparent
      ? 255 - data[i + 3]
      : Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
  }
  return weights;
}

function convert(bytes, convention) {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const weights = editWeights(png);
  const rgba = Buffer.alloc(weights.length * 4);
  for (let p = 0, i = 0; p < weights.length; p++, i += 4) {
    const w = weights[p];
    if (convention === 'white') {
      rgba[i] = rgba[i + 1] = rgba[i + 2] = w;
      rgba[i + 3] = 255;
    } else rgba[i + 3] = 255 - w;
  }
  const out = PNG.sync.write(
    Object.assign(new PNG({ width: png.width, height: png.height }), { data: rgba }),
    { colorType: convention === 'white' ? 0 : 6, inputColorType: 6, inputHasAlpha: true },
  );
  // A copy in an ArrayBuffer of its own, so that it can be transferred (Buffers may share a pool).
  return { bytes: new Uint8Array(out), width: png.width, height: png.height };
}

parentPort.on('message', ({ id, bytes, convention }) => {
  try {
    const result = convert(bytes, convention);
    parentPort.postMessage({ id, ...result }, [result.bytes.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
