import { supportsInspect } from '@taskfleet/fleeting';
import type { InstanceFacts } from '@taskfleet/fleeting';

import type { TickContext } from './context';

/**
 * Asks the provider, in one call, about the instances this reconcile must judge (members without
 * a record, and recorded ones the cloud is ending without our intent); empty when the provider
 * cannot tell (no `instance_facts`) or the call failed, so the reconcile falls back to its
 * cautious paths: nothing adopted by tag, no lost reason, age counted from our first sighting.
 */
export async function readFacts(
  ctx: TickContext,
  ids: readonly string[],
): Promise<ReadonlyMap<string, InstanceFacts>> {
  if (ids.length === 0 || !supportsInspect(ctx.provider)) {
    return new Map();
  }
  try {
    const facts = await ctx.provider.inspect(ids);
    return new Map(facts.map(f => [f.id, f]));
  } catch (error) {
    ctx.logger.warn({ instanceCount: ids.length, err: error }, 'could not inspect instances');
    return new Map();
  }
}
