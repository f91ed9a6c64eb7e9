/** Two projects: unit tests beside the source, integration tests against real parts. */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  // The OTLP exporter loads `http` with import(), which Jest's module sandbox refuses without
  // --experimental-vm-modules; compiled to require() it runs as in a plain Node process.
  '/node_modules/@opentelemetry/otlp-exporter-base/.+\\.js$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

const common = {
  transform,
  transformIgnorePatterns: ['/node_modules/(?!@opentelemetry/otlp-exporter-base/)'],
  testEnvironment: 'node',
  restoreMocks: true,
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  // Jest's default on a two-core CI machine is one worker. Most integration time is spent waiting
  // on sshd, git, moto and emulator timers, which a second worker overlaps.
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{libs,services,emulators}/*/src/**/*.test.ts',
        '<rootDir>/cli/src/**/*.test.ts',
        '<rootDir>/bench/src/**/*.test.ts',
      ],
      setupFilesAfterEnv: ['<rootDir>/test/support/unit-setup.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
    },
  ],
};
