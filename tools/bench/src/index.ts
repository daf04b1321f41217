/**
 * `pnpm bench`: router pick time (up to 1,000 deployments), router overhead per call, the issue-6
 * scenario at 1,000 calls, and the cold import time of core + router + one provider.
 * @module
 */
import { benchImportTime } from './import-time.js';
import { benchOverhead } from './overhead.js';
import { benchPick } from './pick.js';
import { benchScenario } from './scenario.js';

await benchPick();
await benchOverhead();
await benchScenario();
await benchImportTime();
