import type { InstanceGroup } from '@taskfleet/fleeting';
import type { GroupSetup } from '@taskfleet/provider-aws';

interface SetupSource {
  describeGroupSetup(): GroupSetup | undefined;
}

function hasSetup(provider: InstanceGroup): provider is InstanceGroup & SetupSource {
  return typeof (provider as Partial<SetupSource>).describeGroupSetup === 'function';
}

/**
 * What in the group's setup breaks invariant 3 (the cloud may remove busy instances on its own),
 * for providers that report their setup; empty when safe or not reported.
 */
export function unsafeSetupProblems(provider: InstanceGroup): string[] {
  const setup = hasSetup(provider) ? provider.describeGroupSetup() : undefined;
  if (setup === undefined) {
    return [];
  }
  const problems: string[] = [];
  if (!setup.newInstancesProtectedFromScaleIn) {
    problems.push('new instances are not protected from scale-in');
  }
  if (!setup.azRebalanceSuspended) {
    problems.push('AZRebalance is not suspended');
  }
  if (setup.terminationHookNames?.length === 0) {
    problems.push('no termination lifecycle hook, so aws may end busy instances on its own');
  }
  if (setup.minSize > 0) {
    problems.push('min size is above 0, so the fleet cannot reach zero');
  }
  return problems;
}
