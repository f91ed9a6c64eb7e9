/**
 * ARGV: nowMs, instanceId, reason. Retires a ready instance on an executor's word (B19: its disk
 * is nearly full): no new claim lands on it, running jobs keep their slots, and the scaler
 * removes it once idle with `reason` as the removal reason. Not fenced: it only ever takes
 * capacity away, as the claim that reaches max_use_count does.
 */
export const RETIRE_INSTANCE = `
local id = ARGV[2]
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
if state ~= 'ready' then return ok({ retired = false, state = state }) end
setState(id, 'retired', ARGV[1], ARGV[3])
return ok({ retired = true, state = 'retired' })
`;
