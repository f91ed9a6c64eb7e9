import pino from 'pino';

import { HeldCreationsLog, heldCreationsOf } from './held-creations';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const logger = pino({ base: null }, { write: (chunk: string) => chunks.push(chunk) });
  return { logger, lines: () => chunks.map(c => JSON.parse(c) as Record<string, unknown>) };
}

const none = { heldByScaleThrottle: 0, heldByLaunchBudget: 0 };

describe('held creations', () => {
  it('reads each limit that held creations as one reason', () => {
    expect(
      heldCreationsOf({ heldByScaleThrottle: 1, heldByLaunchBudget: 2, heldByBootBackoff: 3 }),
    ).toEqual({ scale_throttle: 1, account_launch_budget: 2, boot_backoff: 3 });
  });

  it('logs when a hold starts, when its cause changes and when it ends, not every tick', () => {
    const { logger, lines } = capture();
    const log = new HeldCreationsLog(logger);
    log.note(none);
    log.note({ heldByScaleThrottle: 0, heldByLaunchBudget: 3 });
    log.note({ heldByScaleThrottle: 0, heldByLaunchBudget: 2 });
    log.note({ heldByScaleThrottle: 1, heldByLaunchBudget: 2 });
    log.note(none);
    log.note(none);
    expect(lines().map(l => [l.msg, l.heldBy, l.heldByLaunchBudget])).toEqual([
      ['creations held', ['account_launch_budget'], 3],
      ['creations held', ['scale_throttle', 'account_launch_budget'], 2],
      ['creations no longer held', undefined, undefined],
    ]);
  });
});
