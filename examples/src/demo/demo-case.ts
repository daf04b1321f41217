import type { ImageEditParams } from '@retouch/core';
import type { DemoAssets } from './assets.js';

/** One edit the demo runs. */
export interface DemoCase {
  title: string;
  /** File-name stem of its results in demo-out/. */
  slug: string;
  params: ImageEditParams;
  /** The case shows a request rejected before any upstream call. */
  expectError?: boolean;
}

/** A provider's part of the demo: start its simulator (and point the env at it), then its cases. */
export interface DemoProvider {
  start(): Promise<() => Promise<void>>;
  cases(assets: DemoAssets): DemoCase[];
}
