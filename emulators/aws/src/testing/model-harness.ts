import pino from 'pino';

import { autoScalingActions } from '../autoscaling/actions/registry';
import type { AutoScalingGroup } from '../autoscaling/group';
import { createManualClock } from '../clock';
import type { ManualClock } from '../clock';
import { ec2Actions } from '../ec2/actions/registry';
import { AwsModel } from '../model/aws-model';
import type { ModelTimings } from '../model/context';
import { Scheduler } from '../model/scheduler';
import type { XmlResult } from '../protocol/handler';
import { QueryParams } from '../protocol/query-request';
import { createRandom } from '../random';
import { FakeInstanceHost, settle } from './fake-instance-host';

/** The model without HTTP: handlers called directly, on a manual clock and a fake host. */
export interface ModelHarness {
  readonly model: AwsModel;
  readonly clock: ManualClock;
  readonly host: FakeInstanceHost;
  /** Calls an Auto Scaling or EC2 action with flat query parameters. */
  call(action: string, params: Record<string, string | number | boolean>): Promise<XmlResult>;
  advance(ms: number): Promise<void>;
  group(name: string): AutoScalingGroup;
  /** Lifecycle states of a group's members, sorted. */
  states(name: string): string[];
  /** Members per zone of a group (active only). */
  zones(name: string): Record<string, number>;
  close(): void;
}

/** Builds a harness; creates a launch template `runner-lt` (no key) ready for groups. */
export async function createModelHarness(
  timings: Partial<ModelTimings> = {},
  seed: number | string = 3,
): Promise<ModelHarness> {
  const clock = createManualClock();
  const host = new FakeInstanceHost();
  const scheduler = new Scheduler(clock);
  const model = new AwsModel({
    clock,
    scheduler,
    random: createRandom(seed),
    region: 'us-east-1',
    accountId: '123456789012',
    logger: pino({ level: 'silent' }),
    host,
    osUser: 'ec2-user',
    sshPort: 22,
    timings: {
      defaultBootDelayMs: 1000,
      defaultBootJitterMs: 0,
      shutdownDelayMs: 500,
      terminatedRetentionMs: 3_600_000,
      launchRetryDelayMs: 10_000,
      ...timings,
    },
  });
  const call = async (
    action: string,
    params: Record<string, string | number | boolean>,
  ): Promise<XmlResult> => {
    const handler = autoScalingActions.get(action) ?? ec2Actions.get(action);
    if (handler === undefined) {
      throw new Error(`no handler for ${action}`);
    }
    const values = new Map(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const result = await handler(
      model,
      new QueryParams(values, ec2Actions.has(action) ? 'ec2' : 'query'),
    );
    await settle();
    return result;
  };
  await call('CreateLaunchTemplate', {
    LaunchTemplateName: 'runner-lt',
    'LaunchTemplateData.ImageId': 'ami-1',
    'LaunchTemplateData.InstanceType': 't3.micro',
  });
  const group = (name: string): AutoScalingGroup => {
    const g = model.autoscaling.groups.get(name);
    if (g === undefined) {
      throw new Error(`no group ${name}`);
    }
    return g;
  };
  return {
    model,
    clock,
    host,
    call,
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    group,
    states: name => [...group(name).members.values()].map(m => m.lifecycleState).sort(),
    zones: name => {
      const counts: Record<string, number> = {};
      for (const m of group(name).members.values()) {
        if (['Pending', 'Pending:Wait', 'InService'].includes(m.lifecycleState)) {
          counts[m.availabilityZone] = (counts[m.availabilityZone] ?? 0) + 1;
        }
      }
      return counts;
    },
    close: () => {
      scheduler.close();
    },
  };
}

/** CreateAutoScalingGroup parameters for group `name` on template `runner-lt` in zones a and b. */
export function groupParams(
  name: string,
  extra: Record<string, string | number | boolean> = {},
): Record<string, string | number | boolean> {
  return {
    AutoScalingGroupName: name,
    'LaunchTemplate.LaunchTemplateName': 'runner-lt',
    MinSize: 0,
    MaxSize: 10,
    'AvailabilityZones.member.1': 'us-east-1a',
    'AvailabilityZones.member.2': 'us-east-1b',
    ...extra,
  };
}
