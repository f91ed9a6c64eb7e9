/** The per-instance values that go into an sshd configuration file. */
export interface SshdConfigInput {
  readonly listenAddress: string;
  readonly port: number;
  readonly hostKeyPath: string;
  /** The root-owned file of Instance Connect keys, read after the user's own file. */
  readonly temporaryKeysPath: string;
  readonly osUser: string;
  /** Seconds between server keep-alives; three unanswered ones drop the client. */
  readonly clientAliveIntervalSec: number;
}

/** Renders an sshd_config that allows public-key logins as the one OS user only. */
export function renderSshdConfig(input: SshdConfigInput): string {
  const lines = [
    `ListenAddress ${input.listenAddress}:${input.port}`,
    `HostKey ${input.hostKeyPath}`,
    // -D keeps sshd in the foreground; no pid file so instances never fight over one.
    'PidFile none',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${input.osUser}`,
    // The home belongs to the instance uid but lives under root-owned state directories.
    'StrictModes no',
    `AuthorizedKeysFile .ssh/authorized_keys ${input.temporaryKeysPath}`,
    `ClientAliveInterval ${input.clientAliveIntervalSec}`,
    'ClientAliveCountMax 3',
    // Executors open several channels and connections at once; the defaults (10) are low.
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    // VERBOSE for sshd's "Connection from" line: the emulator counts accepted connections.
    'LogLevel VERBOSE',
  ];
  return `${lines.join('\n')}\n`;
}
