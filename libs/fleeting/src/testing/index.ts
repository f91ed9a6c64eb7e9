// The testing entry point (`@taskfleet/fleeting/testing`), kept apart so products never load Jest.
export { defineInstanceGroupContract } from './contract';
export type { ContractOptions, ContractSubject } from './contract';
export { FakeInstanceGroup } from './fake-provider';
export type { FakeInstanceGroupOptions } from './fake-provider';
