import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';

import type { EmulatorFixture } from './emulator-fixture';

/** What a failed SDK call reported: the error name, message and HTTP status. */
export interface SdkRejection {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

/** Awaits a call that must fail and returns what the SDK made of the error. */
export async function rejection(promise: Promise<unknown>): Promise<SdkRejection> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

/** Describes one group through the SDK; throws when it is not there. */
export async function describeGroup(f: EmulatorFixture, name: string): Promise<AutoScalingGroup> {
  const out = await f.sdk.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = out.AutoScalingGroups?.[0];
  if (group === undefined) {
    throw new Error(`group ${name} not described`);
  }
  return group;
}
