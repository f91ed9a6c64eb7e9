import { instanceArchOf, instanceOsOf, instanceStatusOf } from './state-mapping';

describe('instanceStatusOf', () => {
  it.each([
    ['InService', 'running'],
    ['Terminating', 'deleting'],
    ['Terminating:Wait', 'deleting'],
    ['Terminating:Proceed', 'deleting'],
    ['Terminated', 'deleting'],
    ['Pending', 'creating'],
    ['Pending:Wait', 'creating'],
    ['Pending:Proceed', 'creating'],
    ['Standby', 'creating'],
    ['EnteringStandby', 'creating'],
    ['Warmed:Running', 'creating'],
    ['Detaching', 'creating'],
    [undefined, 'creating'],
  ])('%s → %s', (lifecycleState, status) => {
    expect(instanceStatusOf(lifecycleState)).toBe(status);
  });
});

describe('instanceOsOf and instanceArchOf', () => {
  it.each([
    [undefined, 'x86_64', 'linux', 'amd64'],
    [undefined, 'arm64', 'linux', 'arm64'],
    [undefined, 'i386', 'linux', '386'],
    ['windows', 'x86_64', 'windows', 'amd64'],
    [undefined, 'x86_64_mac', 'darwin', 'amd64'],
    [undefined, 'arm64_mac', 'darwin', 'arm64'],
    [undefined, 'riscv64', 'linux', 'riscv64'],
  ])('platform %s, architecture %s → %s/%s', (platform, architecture, os, arch) => {
    expect(instanceOsOf(platform, architecture)).toBe(os);
    expect(instanceArchOf(architecture)).toBe(arch);
  });
});
