/** How an emulated instance behaves when it boots. */
export type BootMode =
  /** sshd starts and accepts logins. */
  | 'ok'
  /** The instance never answers SSH: the TCP port accepts connections but sends no banner. */
  | 'never-answers';

/** What the AWS emulator asks of the host when an instance is launched. */
export interface InstanceLaunchSpec {
  /** The EC2 instance id, e.g. `i-0a1b2c3d4e5f60718`. */
  readonly instanceId: string;
  /** The login name on the instance (the AMI's default user), e.g. `ec2-user`. */
  readonly osUser: string;
  /** OpenSSH public keys installed in the user's `~/.ssh/authorized_keys` at boot. */
  readonly authorizedKeys: readonly string[];
  /** TCP port sshd listens on at the instance's private IP; 22 unless configured. */
  readonly sshPort: number;
  /** Whether sshd comes up at all. */
  readonly bootMode: BootMode;
}

/** A real running instance: an sshd on its own loopback address with its own user and home. */
export interface InstanceProcess {
  readonly instanceId: string;
  /** The loopback address the instance listens on; reported as its private IP. */
  readonly privateIp: string;
  readonly sshPort: number;
  readonly osUser: string;
  /** The instance's home directory on the host file system, for test inspection. */
  readonly homeDir: string;
  /** The sshd host public key in OpenSSH format, for clients that pin it. */
  readonly hostPublicKey: string;

  /**
   * TCP connections the instance's sshd accepted so far, as its own log reports them (kept after
   * termination); 0 for an instance that never answers SSH (no sshd behind the port).
   */
  sshdConnectionCount(): number;
  /** Lets `publicKey` log in as the OS user until revoked; returns a handle for the revoke. */
  authorizeTemporaryKey(publicKey: string): Promise<string>;
  /** Stops a temporary key from authenticating new logins; open sessions stay open. */
  revokeTemporaryKey(handle: string): Promise<void>;
  /** Freezes sshd and every session on the instance with SIGSTOP. */
  pause(): Promise<void>;
  /** Thaws a paused instance with SIGCONT. */
  resume(): Promise<void>;
  /** Kills the listening sshd (new logins refused); sessions already open keep running. */
  killSshd(): Promise<void>;
  /** Kills sshd and every process of the instance, then removes its files. Idempotent. */
  terminate(): Promise<void>;
}

/** Starts and stops the real processes behind emulated instances. */
export interface InstanceHost {
  launch(spec: InstanceLaunchSpec): Promise<InstanceProcess>;
  /** Terminates every instance this host launched and removes its state. Idempotent. */
  close(): Promise<void>;
}
