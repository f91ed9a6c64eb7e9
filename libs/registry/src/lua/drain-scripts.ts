/**
 * ARGV: fencingToken, nowMs, instanceId, idleSinceAtMostMs ('' for no bound), reason. The only way
 * we take an instance out of service for removal: in one step it checks zero claims (and, for a
 * ready one, idle since at most the bound) and sets draining, so a claim either landed before
 * (drain refused) or finds the instance gone from the open set (B28, B29: our claim is the truth).
 */
export const BEGIN_DRAIN = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local h = redis.call('HMGET', ikey(id), 'state', 'claimed', 'readyAtMs', 'lastJobEndedAtMs')
local state = h[1]
if not state then return fail('not_found') end
if state == 'draining' then return ok({ drained = true, alreadyDraining = true }) end
if state == 'deleting' then return fail('invalid_transition', state) end
if tonumber(h[2]) > 0 then return ok({ drained = false, reason = 'busy' }) end
if state == 'ready' and ARGV[4] ~= '' then
  -- idle_time counts from the last job's end, or from ready if it never ran one.
  local since = math.max(tonumber(h[3] or '0'), tonumber(h[4] or '0'))
  if since > tonumber(ARGV[4]) then return ok({ drained = false, reason = 'recently_used' }) end
end
setState(id, 'draining', ARGV[2], ARGV[5])
return ok({ drained = true, alreadyDraining = false })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId, reason. Records, before the cloud is called, that we are
 * terminating a drained instance; the intent survives a crash so the next leader finishes it.
 */
export const RECORD_TERMINATION_INTENT = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local h = redis.call('HMGET', ikey(id), 'state', 'claimed')
if not h[1] then return fail('not_found') end
if redis.call('HEXISTS', k('terminations'), id) == 1 then return ok({ recorded = true }) end
-- Only a drained instance may be terminated by us: a busy one is never killed (invariant 3).
if h[1] ~= 'draining' or tonumber(h[2]) > 0 then return fail('invalid_transition', h[1]) end
redis.call('HSET', k('terminations'), id, cjson.encode({ recordedAtMs = ARGV[2], reason = ARGV[4] }))
setState(id, 'deleting', ARGV[2], ARGV[4])
return ok({ recorded = true })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId, reason. The cloud started removing the instance (a
 * lifecycle hook, a spot reclaim): no new claims, running ones stay until they end (B01).
 */
export const MARK_DELETING = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return fail('not_found') end
if state ~= 'deleting' then setState(id, 'deleting', ARGV[2], ARGV[4]) end
return ok({ state = 'deleting' })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId. The instance is gone from the cloud: drop its record,
 * slots, intent and any claims on it (only once it is deleting), returning the jobs that lost it.
 */
export const CLEAR_INSTANCE = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local known = redis.call('SISMEMBER', k('instances'), id) == 1 or redis.call('EXISTS', ikey(id)) == 1
local state = redis.call('HGET', ikey(id), 'state')
local slots = redis.call('HGETALL', skey(id))
-- Dropping running claims needs the cloud's word first (markDeleting): a lagging or mismatched
-- lookup must not erase a busy instance's record (B30).
if #slots > 0 and state ~= 'deleting' then return fail('invalid_transition', state or 'unknown') end
local orphaned = {}
for i = 2, #slots, 2 do
  table.insert(orphaned, slots[i])
  redis.call('HDEL', k('claims'), slots[i])
end
uncount(id)
redis.call('DEL', ikey(id), skey(id))
redis.call('SREM', k('instances'), id)
redis.call('ZREM', k('open'), id)
redis.call('HDEL', k('terminations'), id)
return ok({ cleared = known, orphaned = orphaned })
`;
