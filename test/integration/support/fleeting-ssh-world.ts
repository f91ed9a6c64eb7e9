// Set-up shared by the fleeting SSH connector tests: real OpenSSH sshd instances from the AWS
// emulator, one shared connection per file, and helpers to look at the instance's processes.
import { readFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import type { Server, Socket } from 'node:net';

import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo, DialOptions, SshConnection } from '@taskfleet/fleeting';

// Tests may reach into the emulator's source; product code never does.
import { createSshdInstanceHost } from '../../../emulators/aws/src/instances';
import type {
  InstanceLaunchSpec,
  SshdInstanceHost,
  SshdInstanceProcess,
} from '../../../emulators/aws/src/instances';
import { ed25519TestKey } from './ssh-key';

const stateRoot = '/var/tmp/taskfleet-fleeting-ssh-test';
export const loginKey = ed25519TestKey();
export const dialDefaults = {
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 1_000,
  keepaliveCountMax: 3,
} satisfies DialOptions;
let sequence = 0;

export function spec(overrides: Partial<InstanceLaunchSpec> = {}): InstanceLaunchSpec {
  sequence += 1;
  return {
    instanceId: `i-f${process.pid.toString(16)}${sequence.toString(16).padStart(8, '0')}`,
    osUser: 'ec2-user',
    authorizedKeys: [loginKey.public],
    sshPort: 22,
    bootMode: 'ok',
    ...overrides,
  };
}

export function infoFor(
  instance: SshdInstanceProcess,
  overrides: Partial<ConnectInfo> = {},
): ConnectInfo {
  return {
    id: instance.instanceId,
    internalAddr: instance.privateIp,
    os: 'linux',
    arch: 'amd64',
    protocol: 'ssh',
    protocolPort: instance.sshPort,
    username: instance.osUser,
    key: Buffer.from(loginKey.private),
    ...overrides,
  };
}

/** The command lines of the instance's live processes. */
export function commandLines(instance: SshdInstanceProcess): string[] {
  const found: string[] = [];
  for (const pid of instance.processIds()) {
    try {
      found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Polls `check` every 50 ms until it holds or `boundMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return true;
}

/** Resolves with the rejection of `promise` (failing the test if it resolves) and its delay. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ error: unknown; afterMs: number }> {
  const startedAt = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, afterMs: Date.now() - startedAt };
  }
  throw new Error('expected a rejection');
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise(resolve => probe.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/** A TCP forwarder from 127.0.0.1:port to the instance's sshd. */
export async function forward(port: number, instance: SshdInstanceProcess): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer(inbound => {
    const outbound = connectTcp(instance.sshPort, instance.privateIp);
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) {
      socket.destroy();
    }
  });
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Collects a stream of chunks as text, remembering how many chunks came. */
export function collector(): {
  sink: (chunk: Buffer) => void;
  text: () => string;
  chunks: () => number;
} {
  const parts: Buffer[] = [];
  return {
    sink: chunk => {
      parts.push(chunk);
    },
    text: () => Buffer.concat(parts).toString('utf8'),
    chunks: () => parts.length,
  };
}

/** The shared instance and connection of one test file, and throw-away ones per test. */
export interface ConnectorWorld {
  readonly shared: SshdInstanceProcess;
  readonly connection: SshConnection;
  /** Run after each test (allSettled): what a test set up of its own. */
  readonly cleanups: (() => Promise<unknown>)[];
  /** Launches a throw-away instance, terminated after the test. */
  launchOwn(overrides?: Partial<InstanceLaunchSpec>): Promise<SshdInstanceProcess>;
  /** Dials a connection of the test's own, closed after the test. */
  dialOwn(info: ConnectInfo, options?: Partial<DialOptions>): Promise<SshConnection>;
}

/**
 * Registers the hooks of a connector test file: one sshd instance host, one shared instance and
 * connection for the file, and the test's own instances and connections cleaned up after each.
 */
export function useConnectorWorld(): ConnectorWorld {
  let host: SshdInstanceHost | undefined;
  let shared: SshdInstanceProcess | undefined;
  let connection: SshConnection | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) {
      throw new Error('the connector world is used before its beforeAll ran');
    }
    return value;
  };

  beforeAll(async () => {
    host = createSshdInstanceHost({ stateRoot });
    shared = await host.launch(spec());
    connection = await dial(infoFor(shared), dialDefaults);
  });

  afterEach(async () => {
    await Promise.allSettled(cleanups.splice(0).map(cleanup => cleanup()));
  });

  afterAll(async () => {
    await connection?.close();
    await host?.close();
  });

  return {
    cleanups,
    get shared() {
      return started(shared);
    },
    get connection() {
      return started(connection);
    },
    async launchOwn(overrides = {}) {
      const instance = await started(host).launch(spec(overrides));
      cleanups.push(() => instance.terminate());
      return instance;
    },
    async dialOwn(info, options = {}) {
      const own = await dial(info, { ...dialDefaults, ...options });
      cleanups.push(() => own.close());
      return own;
    },
  };
}
