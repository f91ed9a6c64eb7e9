import type { z } from 'zod';
import type { TaskfleetTuning } from '../types';
import { goDuration, tomlFloat, tomlInt } from './primitives';

function positiveDuration(): z.ZodType<number> {
  // Zero would mean "at once, every tick": a timeout that gives every creation up, a heartbeat
  // without pause. Neither is a setting anyone wants.
  return goDuration().refine(ms => ms > 0, { error: 'must be longer than 0s' });
}

/** The `[taskfleet]` keys that tune the scaler and the executors (no GitLab Runner equivalent). */
export const taskfleetTuningShape = {
  instance_create_timeout: positiveDuration().optional(),
  heartbeat_interval: positiveDuration().optional(),
  idle_confirm_time: goDuration().optional(),
  // Zero is the default and means no cooldown (taskscaler has none).
  scale_in_cooldown: goDuration().optional(),
  disk_pressure_percent: tomlInt(0, 100).optional(),
  account_launch_burst: tomlInt(1).optional(),
  account_launches_per_second: tomlFloat(0)
    .refine(perSecond => perSecond > 0, { error: 'must be more than 0' })
    .optional(),
};

type RawTuning = Partial<z.output<z.ZodObject<typeof taskfleetTuningShape>>>;

/** Applies the defaults to the tuning keys that parsed (the others were reported already). */
export function tuningOf(table: RawTuning): TaskfleetTuning {
  return {
    instanceCreateTimeoutMs: table.instance_create_timeout ?? 600_000,
    heartbeatIntervalMs: table.heartbeat_interval ?? 300_000,
    idleConfirmMs: table.idle_confirm_time ?? null,
    scaleInCooldownMs: table.scale_in_cooldown ?? 0,
    diskPressurePercent: table.disk_pressure_percent ?? 85,
    // EC2's RunInstances resource bucket as AWS documents it: 1000 at once, 2 a second refill.
    accountLaunchBurst: table.account_launch_burst ?? 1_000,
    accountLaunchesPerSecond: table.account_launches_per_second ?? 2,
  };
}
