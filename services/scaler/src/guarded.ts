import type { TickContext } from './context';

/**
 * Runs one per-instance step so a failure there (a lost race, a cloud hiccup) is logged and the
 * tick goes on with the others; a lost lease (`stale_fencing_token`) still ends the tick.
 */
export async function guarded<T>(
  ctx: Pick<TickContext, 'logger'>,
  instanceId: string,
  step: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'stale_fencing_token') {
      throw error;
    }
    ctx.logger.warn({ instanceId, step, err: error }, 'instance step failed');
    return undefined;
  }
}
