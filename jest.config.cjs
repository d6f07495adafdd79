/**
 * Jest runs the TypeScript sources through ts-jest, compiled to CommonJS for the test run only.
 * Type checking is done once, up front, by `npm run typecheck` (see package.json), so ts-jest
 * only transpiles (isolatedModules) and stays fast.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          isolatedModules: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          ignoreDeprecations: '6.0',
          verbatimModuleSyntax: false,
          esModuleInterop: true,
        },
      },
    ],
  },
  moduleNameMapper: {
    '^tokengate$': '<rootDir>/lib/index.ts',
    '^tokengate/express$': '<rootDir>/lib/adapters/express/index.ts',
    '^tokengate/koa$': '<rootDir>/lib/adapters/koa/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
