// Integration tests drive real processes (sshd, git, moto), so they get a longer default timeout.
// Jest ignores `testTimeout` inside a project entry, hence this setup file.
jest.setTimeout(120_000);
