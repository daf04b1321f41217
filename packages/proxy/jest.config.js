import base from '../../jest.config.base.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  // Ends (and fails) a run that something left open keeps alive; see the file for why.
  globalTeardown: '<rootDir>/jest.exit-bound.js',
};
