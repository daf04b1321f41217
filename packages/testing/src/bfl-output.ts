/**
 * What the simulated BFL API makes of a valid task: a real image derived deterministically from the
 * inputs. Kontext / FLUX.2 invert the first input (resized to the requested shape); Fill inverts
 * where the mask is white (or, without a mask, where the image is transparent); Expand pads the
 * image with a colour taken from the prompt. `jpeg` / `webp` output (the default of every endpoint
 * but Kontext) is a header-only file of the right type and size, as the simulator encodes PNG only.
 * @module
 */
import { PNG } from 'pngjs';
import { BFL_EDIT_ENDPOINTS } from './bfl-spec.js';
import type { BFLInputImage, BFLSubmit } from './bfl-validate.js';
import { createJpeg, createWebp } from './fixtures.js';
import {
  decodePngOrUndefined,
  drawInputThumbnails,
  encodePng,
  invertPng,
  promptColour,
  resizeNearest,
  sizeForAspectRatio,
  solidPng,
} from './sim-render.js';

/** One rendered result. */
export interface BFLRendered {
  bytes: Buffer;
  mediaType: string;
  width: number;
  height: number;
}

const DEFAULT_SIDE = 1024;

function decode(image: BFLInputImage | undefined): PNG | undefined {
  return decodePngOrUndefined(image?.bytes, image?.info?.mediaType);
}

function expandSide(submit: BFLSubmit, side: 'top' | 'bottom' | 'left' | 'right'): number {
  const value = submit.body[side];
  return typeof value === 'number' ? value : 0;
}

function renderPixels(submit: BFLSubmit, width: number, height: number): PNG {
  const prompt = typeof submit.body.prompt === 'string' ? submit.body.prompt : '';
  const first = decode(submit.images[0]);
  if (submit.endpoint === 'flux-pro-1.0-fill') {
    if (!first) return solidPng(width, height, promptColour(prompt));
    const mask = decode(submit.mask);
    return mask
      ? invertPng(first, (offset) => luma(mask, offset) >= 128)
      : invertPng(first, (offset) => (first.data[offset + 3] as number) < 255);
  }
  if (submit.endpoint === 'flux-pro-1.0-expand') {
    const out = solidPng(width, height, promptColour(prompt));
    if (first)
      PNG.bitblt(
        first,
        out,
        0,
        0,
        first.width,
        first.height,
        expandSide(submit, 'left'),
        expandSide(submit, 'top'),
      );
    return out;
  }
  const out = first
    ? resizeNearest(
        invertPng(first, () => true),
        width,
        height,
      )
    : solidPng(width, height, promptColour(prompt));
  // Kontext and FLUX.2 take several references: each shows as a thumbnail.
  return drawInputThumbnails(
    out,
    submit.images.slice(1).map((image) => ({ bytes: image.bytes, mediaType: image.info?.mediaType })),
  );
}

function luma(png: PNG, offset: number): number {
  const data = png.data;
  return (
    0.299 * (data[offset] as number) +
    0.587 * (data[offset + 1] as number) +
    0.114 * (data[offset + 2] as number)
  );
}

function outputSize(submit: BFLSubmit): { width: number; height: number } {
  const info = submit.images[0]?.info;
  const width = info?.width ?? DEFAULT_SIDE;
  const height = info?.height ?? DEFAULT_SIDE;
  if (submit.endpoint === 'flux-pro-1.0-expand') {
    return {
      width: width + expandSide(submit, 'left') + expandSide(submit, 'right'),
      height: height + expandSide(submit, 'top') + expandSide(submit, 'bottom'),
    };
  }
  // Kontext keeps the input's area and takes the requested aspect ratio.
  if (submit.endpoint.startsWith('flux-kontext'))
    return sizeForAspectRatio(width, height, String(submit.body.aspect_ratio ?? ''));
  if (submit.endpoint.startsWith('flux-2')) {
    // 0 or null means "derive from the input".
    const asked = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
    return { width: asked(submit.body.width) ?? width, height: asked(submit.body.height) ?? height };
  }
  return { width, height };
}

/**
 * The output format a task answers in: the request's, else the endpoint's default.
 *
 * @example
 * ```ts
 * bflOutputFormat(submit); // 'png' for Kontext, 'jpeg' for Fill without output_format
 * ```
 */
export function bflOutputFormat(submit: BFLSubmit): 'jpeg' | 'png' | 'webp' {
  const asked = submit.body.output_format;
  if (asked === 'jpeg' || asked === 'png' || asked === 'webp') return asked;
  const rule = BFL_EDIT_ENDPOINTS[submit.endpoint]?.fields.output_format;
  return rule?.type === 'enum' && rule.default === 'png' ? 'png' : 'jpeg';
}

/**
 * Renders the result of a validated submit.
 *
 * @example
 * ```ts
 * const image = renderBFLResult(validateBFLSubmit('flux-kontext-pro', body));
 * image.mediaType; // 'image/png'
 * ```
 */
export function renderBFLResult(submit: BFLSubmit): BFLRendered {
  const { width, height } = outputSize(submit);
  const format = bflOutputFormat(submit);
  if (format === 'jpeg') return { bytes: createJpeg(width, height), mediaType: 'image/jpeg', width, height };
  if (format === 'webp') return { bytes: createWebp(width, height), mediaType: 'image/webp', width, height };
  const png = renderPixels(submit, width, height);
  return { bytes: encodePng(png), mediaType: 'image/png', width, height };
}
