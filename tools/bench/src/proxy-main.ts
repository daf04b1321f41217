/**
 * `pnpm bench:proxy`: the proxy's added latency, throughput and memory against a direct call.
 * @module
 */
import { benchProxyOverhead } from './proxy-overhead.js';

await benchProxyOverhead();
