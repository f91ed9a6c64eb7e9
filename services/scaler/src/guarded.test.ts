import { RegistryError } from '@taskfleet/registry';
import { pino } from 'pino';

import type { TickContext } from './context';
import { guarded } from './guarded';

// Only the logger is read by guarded; the rest of the context plays no part.
const ctx = { logger: pino({ level: 'silent' }) } as unknown as TickContext;

describe('guarded', () => {
  it('returns the step result', async () => {
    await expect(guarded(ctx, 'i-1', 'step', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('turns a failed step into undefined so the tick goes on', async () => {
    const failing = () => Promise.reject(new RegistryError('invalid_transition', 'lost a race'));
    await expect(guarded(ctx, 'i-1', 'step', failing)).resolves.toBeUndefined();
  });

  it('lets a lost lease end the tick', async () => {
    const stale = () => Promise.reject(new RegistryError('stale_fencing_token', 'not leader'));
    await expect(guarded(ctx, 'i-1', 'step', stale)).rejects.toMatchObject({
      code: 'stale_fencing_token',
    });
  });
});
