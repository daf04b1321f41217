import { readFile } from 'node:fs/promises';

/** The bundled pictures in examples/assets. */
export interface DemoAssets {
  landscape: Buffer;
  balloon: Buffer;
  /** OpenAI-convention mask over the sky (transparent = edit). */
  mask: Buffer;
}

const dir = new URL('../../assets/', import.meta.url);

export async function loadAssets(): Promise<DemoAssets> {
  const [landscape, balloon, mask] = await Promise.all(
    ['landscape.png', 'balloon.png', 'mask.png'].map((name) => readFile(new URL(name, dir))),
  );
  return { landscape: landscape as Buffer, balloon: balloon as Buffer, mask: mask as Buffer };
}
