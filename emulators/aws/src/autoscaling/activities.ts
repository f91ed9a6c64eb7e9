import type { Random } from '../random';

/** Activity StatusCode values the emulator produces. */
export type ActivityStatus =
  'InProgress' | 'PreInService' | 'MidLifecycleAction' | 'Successful' | 'Failed' | 'Cancelled';

/** A scaling activity, as DescribeScalingActivities returns it. */
export interface ScalingActivity {
  readonly activityId: string;
  readonly autoScalingGroupName: string;
  readonly autoScalingGroupArn: string;
  description: string;
  readonly cause: string;
  readonly startTimeMs: number;
  endTimeMs: number | undefined;
  statusCode: ActivityStatus;
  statusMessage: string | undefined;
  progress: number;
  readonly details: string;
}

/** Every scaling activity of the region, newest first on read. */
export class ActivityLog {
  private readonly activities: ScalingActivity[] = [];
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Records a new activity in progress. */
  start(input: {
    groupName: string;
    groupArn: string;
    description: string;
    cause: string;
    nowMs: number;
    details: Record<string, string>;
    statusCode?: ActivityStatus;
  }): ScalingActivity {
    const activity: ScalingActivity = {
      activityId: this.random.uuid(),
      autoScalingGroupName: input.groupName,
      autoScalingGroupArn: input.groupArn,
      description: input.description,
      cause: input.cause,
      startTimeMs: input.nowMs,
      endTimeMs: undefined,
      statusCode: input.statusCode ?? 'InProgress',
      statusMessage: undefined,
      progress: 0,
      details: JSON.stringify(input.details),
    };
    this.activities.push(activity);
    return activity;
  }

  /** Moves an activity to a new status; a final status also sets EndTime and Progress 100. */
  update(
    activityId: string | undefined,
    statusCode: ActivityStatus,
    nowMs: number,
    statusMessage?: string,
  ): void {
    const activity = this.activities.find(a => a.activityId === activityId);
    if (activity === undefined || isFinal(activity.statusCode)) {
      return;
    }
    activity.statusCode = statusCode;
    if (statusMessage !== undefined) {
      activity.statusMessage = statusMessage;
    }
    if (isFinal(statusCode)) {
      activity.endTimeMs = nowMs;
      activity.progress = 100;
    } else {
      activity.progress = statusCode === 'MidLifecycleAction' ? 50 : 30;
    }
  }

  /** Activities, newest first, optionally of one group. */
  list(groupName?: string): ScalingActivity[] {
    return this.activities
      .filter(a => groupName === undefined || a.autoScalingGroupName === groupName)
      .reverse();
  }
}

function isFinal(status: ActivityStatus): boolean {
  return status === 'Successful' || status === 'Failed' || status === 'Cancelled';
}

/** AWS's timestamp style inside Cause texts, e.g. `2026-12-03T08:21:50Z`. */
export function causeTime(nowMs: number): string {
  return `${new Date(nowMs).toISOString().slice(0, 19)}Z`;
}
