/** Two projects: unit tests beside the source, integration tests against real parts. */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
};

const common = {
  transform,
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
