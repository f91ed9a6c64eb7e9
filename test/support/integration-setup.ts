// Integration tests drive real processes (sshd, git, moto), so they get a longer default timeout.
// Jest ignores `testTimeout` inside a project entry, hence this setup file.
jest.setTimeout(120_000);

// The same switch as cli/src/main.ts: the SDK's Node 22 notice would fill the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
