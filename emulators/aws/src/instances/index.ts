export { InstanceHostError } from './errors';
export type { InstanceHostErrorCode } from './errors';
export type { BootMode, InstanceHost, InstanceLaunchSpec, InstanceProcess } from './instance-host';
export { defaultHostTools } from './preflight';
export type { HostTools } from './preflight';
export { createSshdInstanceHost } from './sshd-instance-host';
export type { SshdInstanceHost, SshdInstanceProcess } from './sshd-host-types';
export type { SshdInstanceHostOptions } from './sshd-instance-host';
