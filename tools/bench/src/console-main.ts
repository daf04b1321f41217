/**
 * `pnpm bench:console`: what the web console adds to the edit path.
 * @module
 */
import { benchConsoleOverhead } from './console-overhead.js';

await benchConsoleOverhead();
