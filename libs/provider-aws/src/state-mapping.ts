import type { Instance as GroupMember } from '@aws-sdk/client-auto-scaling';
import type { InstanceArch, InstanceOs, InstanceState, InstanceStatus } from '@taskfleet/fleeting';

/**
 * The port state of an ASG member's `LifecycleState`, as the plugin maps it: `InService` is
 * running, every `Terminat*` state is deleting, and everything else (Pending*, Standby,
 * Warmed:*, Detaching, …) is creating, i.e. not usable yet. HealthStatus is not consulted.
 */
export function instanceStatusOf(lifecycleState: string | undefined): InstanceStatus {
  if (lifecycleState === 'InService') {
    return 'running';
  }
  if (lifecycleState?.startsWith('Terminat') === true) {
    return 'deleting';
  }

  return 'creating';
}

/** The GOOS-style OS of an EC2 instance from its `Platform` and `Architecture` (aws.md §1.2). */
export function instanceOsOf(
  platform: string | undefined,
  architecture: string | undefined,
): InstanceOs {
  if (architecture === 'x86_64_mac' || architecture === 'arm64_mac') {
    return 'darwin';
  }
  if (platform?.toLowerCase() === 'windows') {
    return 'windows';
  }

  return 'linux';
}

const ARCHES: Readonly<Record<string, InstanceArch>> = {
  i386: '386',
  x86_64: 'amd64',
  x86_64_mac: 'amd64',
  arm64: 'arm64',
  arm64_mac: 'arm64',
};

/** The GOARCH-style architecture of an EC2 `Architecture` value; unknown values pass through. */
export function instanceArchOf(architecture: string | undefined): InstanceArch {
  if (architecture === undefined) {
    return 'amd64';
  }

  return ARCHES[architecture] ?? architecture;
}

/** The port states of a group's members; a `Terminating:Wait` one carries its removal hold. */
export function memberStates(
  members: readonly GroupMember[],
  holdTimeoutMs: number | undefined,
): InstanceState[] {
  return members.flatMap(member =>
    member.InstanceId === undefined
      ? []
      : [
          {
            id: member.InstanceId,
            state: instanceStatusOf(member.LifecycleState),
            ...(member.LifecycleState === undefined
              ? {}
              : { providerState: member.LifecycleState }),
            ...(member.LifecycleState === 'Terminating:Wait' && holdTimeoutMs !== undefined
              ? { removalHold: { timeoutMs: holdTimeoutMs } }
              : {}),
          },
        ],
  );
}
