/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  // NodeNext imports say './x.js'; map them back to the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  // Workspace packages resolve to their src/index.ts through the custom export condition.
  testEnvironmentOptions: { customExportConditions: ['@retouch/source', 'node', 'node-addons'] },
  testTimeout: 20000,
};
