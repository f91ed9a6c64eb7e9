import type { AutoscalerConfig, PolicyConfig } from '@taskfleet/config';
import { countFleet } from './fleet-counts';
import { activePolicy } from './policy/active-policy';
import { TokenBucket } from './token-bucket';
import type { SchedulePolicy } from './types';

// The planner owns its input types, so it does not depend on @taskfleet/config; this test (type
// checked by `npm run typecheck`) keeps them assignable, so parsed config passes as it is.

describe('compatibility with @taskfleet/config', () => {
  it('takes parsed policies and autoscaler settings without conversion', () => {
    const policies: readonly PolicyConfig[] = [
      {
        periods: ['* * * * *'],
        timezone: 'UTC',
        idleCount: 2,
        idleTimeMs: 60_000,
        scaleFactor: 0,
        scaleFactorLimit: null,
        preemptiveMode: true,
      },
    ];
    const schedule: readonly SchedulePolicy[] = policies;
    expect(activePolicy(schedule, 0).idleCount).toBe(2);

    const autoscaler: Pick<
      AutoscalerConfig,
      'maxUseCount' | 'failureThreshold' | 'scaleThrottle' | 'capacityPerInstance'
    > = {
      maxUseCount: 1,
      failureThreshold: 3,
      scaleThrottle: { limitPerSecond: 1, burst: 60 },
      capacityPerInstance: 1,
    };
    expect(countFleet([], autoscaler).creating).toBe(0);
    const { limitPerSecond, burst } = autoscaler.scaleThrottle;
    expect(TokenBucket.create(limitPerSecond, burst, 0).take(100, 0).granted).toBe(60);
  });
});
