#!/usr/bin/env node
/**
 * The `retouch` bin: `retouch --config config.yaml [--port 4000] [--host 0.0.0.0]`.
 * @module
 */
import { main } from './main.js';

const result = await main(process.argv.slice(2));
if (result.exitCode !== 0 || !result.server) process.exitCode = result.exitCode;
