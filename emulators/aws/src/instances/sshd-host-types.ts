import type { InstanceHost, InstanceLaunchSpec, InstanceProcess } from './instance-host';

/** An instance launched by the sshd host, with what tests may inspect beyond the contract. */
export interface SshdInstanceProcess extends InstanceProcess {
  /** The instance's unprivileged uid (and gid), unique on this machine. */
  readonly uid: number;
  /** The pids of the instance's live processes: listener, sessions and jobs. */
  processIds(): number[];
}

/** The sshd-backed instance host: the InstanceHost contract plus its state directory. */
export interface SshdInstanceHost extends InstanceHost {
  /** This host's own directory under the state root, removed by close(). */
  readonly stateDir: string;
  launch(spec: InstanceLaunchSpec): Promise<SshdInstanceProcess>;
}
