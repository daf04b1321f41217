/**
 * `pnpm bench:console [--rounds N]`: what the web console adds to the edit path.
 * @module
 */
import { parseArgs } from 'node:util';
import { benchConsoleOverhead } from './console-overhead.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  throw new Error(`--rounds: a whole number above 0, got "${values.rounds}"`);
}
await benchConsoleOverhead({ rounds });
