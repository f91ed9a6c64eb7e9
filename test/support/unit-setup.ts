// Several unit suites run a real HTTP server on loopback (the emulators) or real git and ssh-keygen.
// With two Jest workers on a two-core machine, single tests were seen taking 5.6 s, just past Jest's
// 5 s default, so unit tests get a longer bound. It is still a bound: a hung test fails.
jest.setTimeout(30_000);

// The same switch as cli/src/main.ts: the SDK's Node 22 notice would fill the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
