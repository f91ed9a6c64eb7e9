import type { BootMode, InstanceProcess } from '../instances/instance-host';

/** EC2 instance states the emulator goes through. */
export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated';

/** EC2's numeric state codes (low byte). */
export const EC2_STATE_CODES: Readonly<Record<Ec2StateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
};

/** A key/value tag. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** A reference to the launch template version an instance was launched from. */
export interface LaunchTemplateRef {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly version: string;
}

/** Why an instance is shutting down; `external` means not by its Auto Scaling group. */
export type ShutdownCause = 'group' | 'external' | 'launch-failed';

/** One emulated EC2 instance. */
export interface Ec2Instance {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly keyName: string | undefined;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly launchTemplate: LaunchTemplateRef | undefined;
  readonly launchTimeMs: number;
  readonly tags: Tag[];
  readonly bootMode: BootMode;
  state: Ec2StateName;
  stateTransitionReason: string;
  stateReason: { code: string; message: string } | undefined;
  shutdownCause: ShutdownCause | undefined;
  /** The loopback address from the host, or a made-up private address without a host. */
  privateIp: string | undefined;
  process: InstanceProcess | undefined;
  terminatedAtMs: number | undefined;
}
