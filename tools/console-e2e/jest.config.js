import base from '../../jest.config.base.js';

/** Browser tests: one Chromium for the whole file, and room for it to start on a busy machine. */
export default { ...base, testTimeout: 120_000 };
