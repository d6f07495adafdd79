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
    // cookie 2 is ESM only, and light-my-request (Fastify's inject()) require()s it, which Node
    // 20.19 allows but Jest's module system does not before Node 24.9: compile it to CommonJS.
    '/node_modules/(?:.*/node_modules/)?cookie/dist/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', ignoreDeprecations: '6.0', verbatimModuleSyntax: false } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(?:.*/node_modules/)?cookie/dist/)'],
  moduleNameMapper: {
    '^tokengate$': '<rootDir>/lib/index.ts',
    '^tokengate/express$': '<rootDir>/lib/adapters/express/index.ts',
    '^tokengate/koa$': '<rootDir>/lib/adapters/koa/index.ts',
    '^tokengate/fastify$': '<rootDir>/lib/adapters/fastify/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
  // Jest's default is one worker fewer than the cores: a single worker on a two-core machine
  // (CI's), which ran the suites one after another. The suites wait on child processes and
  // sockets as much as they compute, so every core gets a worker.
  maxWorkers: '100%',
};
