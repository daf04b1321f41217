/**
 * `node --conditions=@retouch/source --import ./tools/ts-run/register.mjs script.ts`: runs the
 * workspace's TypeScript sources in a plain Node process (no build), for tests that need a real
 * process of their own (forced GC with `--expose-gc`, signals, process exit).
 */
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
