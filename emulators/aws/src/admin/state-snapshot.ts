import type { AwsModel } from '../model/aws-model';

/** A JSON-ready copy of the whole emulated region, for the admin API and tests. */
export function stateSnapshot(model: AwsModel): Record<string, unknown> {
  const iso = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    nowMs: model.ctx.clock.now(),
    region: model.ctx.region,
    groups: [...model.autoscaling.groups.values()].map(g => ({
      name: g.name,
      arn: g.arn,
      minSize: g.minSize,
      maxSize: g.maxSize,
      desiredCapacity: g.desiredCapacity,
      availabilityZones: g.availabilityZones,
      subnets: g.subnets,
      newInstancesProtectedFromScaleIn: g.newInstancesProtectedFromScaleIn,
      suspendedProcesses: [...g.suspended.keys()],
      status: g.status,
      rebalance: g.rebalance,
      launchTemplate: g.launchTemplate,
      hooks: [...g.hooks.values()],
      members: [...g.members.values()].map(m => ({
        instanceId: m.instanceId,
        availabilityZone: m.availabilityZone,
        lifecycleState: m.lifecycleState,
        healthStatus: m.healthStatus,
        protectedFromScaleIn: m.protectedFromScaleIn,
        launchTime: iso(m.launchTimeMs),
        pendingLifecycleActions: [...m.pendingActions.values()].map(a => ({
          hook: a.hook.lifecycleHookName,
          token: a.token,
          heartbeatDeadline: iso(a.heartbeatDeadlineMs),
        })),
      })),
    })),
    instances: model.ec2.list().map(i => ({
      instanceId: i.instanceId,
      state: i.state,
      availabilityZone: i.availabilityZone,
      subnetId: i.subnetId,
      privateIp: i.privateIp,
      keyName: i.keyName,
      bootMode: i.bootMode,
      launchTime: iso(i.launchTimeMs),
      terminatedAt: iso(i.terminatedAtMs),
      shutdownCause: i.shutdownCause,
      tags: i.tags,
      hasProcess: i.process !== undefined,
      sshdConnections: i.process?.sshdConnectionCount(),
    })),
    launchTemplates: model.templates.list().map(t => ({
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      data: t.data,
    })),
    keyPairs: model.keyPairs.list().map(k => ({
      keyName: k.keyName,
      keyPairId: k.keyPairId,
      keyType: k.keyType,
      publicKey: k.publicKey,
    })),
    activities: model.autoscaling.activities.list().map(a => ({
      ...a,
      startTime: iso(a.startTimeMs),
      endTime: iso(a.endTimeMs),
    })),
    pushedKeys: model.pushedKeys.list().map(k => ({ ...k, expiresAt: iso(k.expiresAtMs) })),
    queues: model.sqs.all().map(q => ({
      name: q.name,
      visibilityTimeoutSec: q.visibilityTimeoutSec,
      messages: q.messages.map(m => ({
        messageId: m.messageId,
        body: m.body,
        sentAt: iso(m.sentAtMs),
        receiveCount: m.receiveCount,
      })),
    })),
    faults: {
      throttles: model.faults.throttles,
      capacityWindows: model.faults.capacityWindows,
      hiddenOnce: [...model.faults.hiddenOnce],
      boot: Object.fromEntries(model.faults.boot),
    },
  };
}
