import { CLAIM_HELPERS } from './waiting-scripts';

/** ARGV: fencingToken, nowMs, instanceId, state, capacity, maxUseCount, internal, external, reason. */
export const REGISTER_INSTANCE = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local existing = redis.call('HGET', ikey(id), 'state')
-- Re-registering never resets a record: the use count must survive restarts (B11).
if existing then return ok({ created = false, state = existing }) end
-- The cloud ended this one (a tombstone): it is never recorded again, so no claim can land (B33).
if redis.call('ZSCORE', k('gone'), id) then return ok({ created = false, state = 'deleting', gone = true }) end
redis.call('HSET', ikey(id), 'state', ARGV[4], 'capacity', ARGV[5], 'claimed', 0, 'useCount', 0,
  'maxUseCount', ARGV[6], 'createdAtMs', ARGV[2], 'stateChangedAtMs', ARGV[2], 'failureCount', 0,
  'internalAddress', ARGV[7], 'externalAddress', ARGV[8])
-- A distrusted member is written out of service with its reason in this one step, so no later
-- leader can take the record for one of its own booting instances (invariant 5).
if ARGV[9] ~= '' then redis.call('HSET', ikey(id), 'reason', ARGV[9]) end
redis.call('SADD', k('instances'), id)
-- A draining registration's free slots count as unavailable from the start.
refreshOpen(id)
return ok({ created = true, state = ARGV[4] })
`;

/** ARGV: fencingToken, nowMs, instanceId, internal, external. creating → booting. */
export const MARK_BOOTING = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
if state == 'booting' then return ok({ state = state }) end
if state ~= 'creating' then return fail('invalid_transition', state) end
if ARGV[4] ~= '' then redis.call('HSET', ikey(id), 'internalAddress', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', ikey(id), 'externalAddress', ARGV[5]) end
setState(id, 'booting', ARGV[2])
return ok({ state = 'booting' })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId. creating | booting → ready; its slots open and go to
 * waiting jobs first.
 */
export const MARK_READY =
  CLAIM_HELPERS +
  `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
if state == 'ready' then return ok({ state = state }) end
if state ~= 'creating' and state ~= 'booting' then return fail('invalid_transition', state) end
redis.call('HSET', ikey(id), 'readyAtMs', ARGV[2], 'failureCount', 0)
setState(id, 'ready', ARGV[2])
serveWaiting(ARGV[2])
return ok({ state = 'ready' })
`;

/** ARGV: fencingToken, nowMs, instanceId, reason. Any live state → unhealthy; claims stay. */
export const MARK_UNHEALTHY = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
if state == 'creating' or state == 'booting' or state == 'ready' then
  setState(id, 'unhealthy', ARGV[2], ARGV[4])
  return ok({ state = 'unhealthy' })
end
-- Already out of service (draining, deleting, retired, unhealthy): nothing to take away.
return ok({ state = state })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId, failureThreshold, reason. Counts one failed heartbeat or
 * ready command; at the threshold the instance turns unhealthy in the same step.
 */
export const RECORD_FAILURE = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
local count = redis.call('HINCRBY', ikey(id), 'failureCount', 1)
local threshold = tonumber(ARGV[4])
local live = state == 'creating' or state == 'booting' or state == 'ready'
if live and threshold > 0 and count >= threshold then
  setState(id, 'unhealthy', ARGV[2], ARGV[5])
  state = 'unhealthy'
end
return ok({ failureCount = count, unhealthy = state == 'unhealthy' })
`;

/** ARGV: fencingToken, nowMs, instanceId. A passed heartbeat: the failure count starts over. */
export const RECORD_HEARTBEAT = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
if redis.call('EXISTS', ikey(id)) == 0 then return fail('not_found') end
redis.call('HSET', ikey(id), 'failureCount', 0, 'lastHeartbeatAtMs', ARGV[2])
return ok({ failureCount = 0 })
`;
