/**
 * `pnpm bench`: router pick time, router overhead per call, and the issue-6 scenario at 1,000 calls.
 * @module
 */
import { benchOverhead } from './overhead.js';
import { benchPick } from './pick.js';
import { benchScenario } from './scenario.js';

await benchPick();
await benchOverhead();
await benchScenario();
