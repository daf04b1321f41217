import { afterEach, describe, expect, it } from '@jest/globals';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { PNG } from 'pngjs';
import type { ModelCapabilities } from './capabilities.js';
import { BadRequestError } from './errors.js';
import { imageEdit, prepareEditRequest } from './image-edit.js';
import { holdStreamErrors } from './image/prepare.js';
import type { ImageEditProvider } from './provider.js';
import { registerProvider, unregisterProvider } from './registry.js';

const IMAGE = PNG.sync.write(new PNG({ width: 8, height: 8 }));
const CAPS: ModelCapabilities = {
  maxImages: 3,
  mask: 'optional',
  maxN: 1,
  inputMediaTypes: ['image/png'],
  params: ['mask'],
  nativeResponseFormat: 'b64_json',
};
const provider: ImageEditProvider = {
  id: 'streamtest',
  capabilities: (model) => (model === 'edit-1' ? CAPS : undefined),
  models: () => ['edit-1'],
  imageEdit: async () => ({ images: [{ b64: IMAGE.toString('base64') }], warnings: [] }),
};
const missing = join(import.meta.dirname, 'no-such-dir', 'missing.png');

const slowPackage = pathToFileURL(join(import.meta.dirname, 'test-support', 'slow-provider.ts')).href;

afterEach(() => {
  unregisterProvider('streamtest');
  unregisterProvider('slowtest');
});

/** Every 'error' the process would not survive: an emitter's unhandled 'error' surfaces here. */
async function uncaughtDuring(run: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (error: unknown) => seen.push(error);
  process.on('uncaughtException', record);
  try {
    await run().catch(() => undefined);
    // Let any late 'error' event fire before we look.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('uncaughtException', record);
  }
  return seen;
}

describe('stream inputs that fail', () => {
  it('give a BadRequestError naming the field on the first call, while the provider is still being resolved', async () => {
    // Resolved by prefix from a package that loads slowly: imageEdit awaits it before reading any image.
    registerProvider('slowtest', slowPackage);
    const broken = new PassThrough();
    const pending = imageEdit({ model: 'slowtest/edit-1', image: [IMAGE, broken], prompt: 'x' });
    // The stream fails before imageEdit gets to read it (as fs does when open() fails).
    broken.destroy(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'image[1]', status: 400 });
    expect((error as Error).message).toMatch(/^image\[1\]: could not read the stream: ENOENT/);
  });

  it('a missing file from createReadStream is a clean BadRequestError and nothing is left unhandled', async () => {
    // A fresh URL: the first import of the package is the slow one.
    registerProvider('slowtest', `${slowPackage}?fresh`);
    let error: unknown;
    const uncaught = await uncaughtDuring(async () => {
      error = await imageEdit({
        model: 'slowtest/edit-1',
        image: IMAGE,
        mask: createReadStream(missing),
        prompt: 'x',
      }).catch((e: unknown) => e);
    });
    expect(uncaught).toEqual([]);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'mask' });
    expect((error as Error).message).toContain('missing.png');
  });

  it('every stream input has an error listener as soon as the call returns, before any await', () => {
    const streams = [new PassThrough(), new PassThrough(), new PassThrough()];
    registerProvider({ prefix: 'streamtest', create: () => provider });
    const pending = imageEdit({
      model: 'streamtest/edit-1',
      image: [streams[0] as Readable, streams[1] as Readable],
      mask: streams[2] as Readable,
      prompt: 'x',
    });
    for (const stream of streams) expect(stream.listenerCount('error')).toBeGreaterThan(0);
    for (const stream of streams) stream.destroy(new Error('gone'));
    return expect(pending).rejects.toBeInstanceOf(BadRequestError);
  });

  it("a provider's own image parameter given as a stream (Stability's light_reference) is held too", () => {
    const light = new PassThrough();
    registerProvider({ prefix: 'streamtest', create: () => provider });
    const pending = imageEdit({
      model: 'streamtest/edit-1',
      image: IMAGE,
      prompt: 'x',
      light_reference: light,
    } as Parameters<typeof imageEdit>[0]);
    expect(light.listenerCount('error')).toBeGreaterThan(0);
    // Failing while the call is under way is no crash: the call ends as it would have.
    light.destroy(new Error('gone'));
    return pending.catch(() => undefined);
  });

  it('holdStreamErrors keeps the first error and prepareEditRequest reports it for a stream that already failed', async () => {
    const stream = Readable.from([IMAGE]);
    holdStreamErrors({ image: stream });
    stream.destroy(new Error('disk went away'));
    await new Promise((resolve) => setImmediate(resolve));
    const error = await prepareEditRequest({ model: 'x', image: stream, prompt: 'x' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toBe('image: could not read the stream: disk went away');
  });

  it('a stream that ended before it was read says so instead of passing as an empty file', async () => {
    const stream = Readable.from([IMAGE]);
    for await (const _ of stream) {
      // consumed by someone else
    }
    const error = await prepareEditRequest({ model: 'x', image: stream, prompt: 'x' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toMatch(/^image: the stream was already read/);
  });
});
