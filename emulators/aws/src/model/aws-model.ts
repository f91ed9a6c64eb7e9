import { GroupRuntime } from '../autoscaling/group-runtime';
import { Ec2InstanceStore } from '../ec2/instance-store';
import { KeyPairStore } from '../ec2/key-pairs';
import { LaunchTemplateStore } from '../ec2/launch-templates';
import { PushedKeyStore } from '../instance-connect/pushed-keys';
import { SqsQueueStore } from '../sqs/queue-store';
import type { ModelContext } from './context';
import { FaultState } from './faults';

/** The whole emulated region: EC2, Auto Scaling, Instance Connect keys, SQS queues and faults. */
export class AwsModel {
  readonly ctx: ModelContext;
  readonly faults = new FaultState();
  readonly ec2: Ec2InstanceStore;
  readonly templates: LaunchTemplateStore;
  readonly keyPairs: KeyPairStore;
  readonly autoscaling: GroupRuntime;
  readonly pushedKeys: PushedKeyStore;
  readonly sqs: SqsQueueStore;

  constructor(ctx: ModelContext) {
    this.ctx = ctx;
    this.ec2 = new Ec2InstanceStore(ctx);
    this.templates = new LaunchTemplateStore(ctx.random);
    this.keyPairs = new KeyPairStore(ctx.random);
    this.autoscaling = new GroupRuntime(ctx, {
      ec2: this.ec2,
      templates: this.templates,
      keyPairs: this.keyPairs,
      faults: this.faults,
    });
    this.pushedKeys = new PushedKeyStore(ctx);
    this.sqs = new SqsQueueStore(ctx);
  }
}
