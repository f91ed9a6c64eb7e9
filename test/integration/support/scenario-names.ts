/** A Linux AMI id that moto knows (moto's ami-12c6146b is Windows, which changes DescribeInstances). */
export const linuxImageId = 'ami-760aaa0f';

/** The resource names one scenario run uses, unique by suffix so runs can share a server. */
export interface ScenarioNames {
  readonly keyPair: string;
  readonly importedKeyPair: string;
  readonly template: string;
  readonly group: string;
  readonly otherGroup: string;
  readonly hook: string;
}

/** Derives the resource names of one run from its suffix. */
export function scenarioNames(suffix: string): ScenarioNames {
  return {
    keyPair: `kp-${suffix}`,
    importedKeyPair: `ikp-${suffix}`,
    template: `lt-${suffix}`,
    group: `asg-${suffix}`,
    otherGroup: `asg-b-${suffix}`,
    hook: `hook-${suffix}`,
  };
}
