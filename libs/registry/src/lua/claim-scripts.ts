/**
 * ARGV: jobId, nowMs. Gives the job a slot on the busiest open instance, or returns the slot it
 * already holds. The pick, the slot write and the use count are one step, so two executors can
 * never take the same slot, a drain cannot slip in between, and the use is durable at once (B11).
 */
export const CLAIM_SLOT = `
local jobId, now = ARGV[1], ARGV[2]
local held = redis.call('HGET', k('claims'), jobId)
if held then
  local c = cjson.decode(held)
  return ok({ instanceId = c.instanceId, slot = c.slot, existing = true })
end
local top = redis.call('ZREVRANGE', k('open'), 0, 0)
if #top == 0 then return ok({ none = true }) end
local id = top[1]
local capacity = tonumber(redis.call('HGET', ikey(id), 'capacity'))
local slot = nil
for s = 0, capacity - 1 do
  if redis.call('HEXISTS', skey(id), s) == 0 then slot = s break end
end
if slot == nil then
  -- The open set said there was room but every slot is taken: repair it and report.
  refreshOpen(id)
  return fail('inconsistent_state', id)
end
redis.call('HSET', skey(id), slot, jobId)
redis.call('HSET', k('claims'), jobId, cjson.encode({ instanceId = id, slot = slot, claimedAtMs = now }))
redis.call('HINCRBY', ikey(id), 'claimed', 1)
local uses = redis.call('HINCRBY', ikey(id), 'useCount', 1)
redis.call('HSET', ikey(id), 'lastClaimedAtMs', now)
-- Kept after the record is cleared, so a used instance is never adopted as fresh (B52).
redis.call('ZADD', k('used'), now, id)
redis.call('HDEL', k('pending'), jobId)
local maxUses = tonumber(redis.call('HGET', ikey(id), 'maxUseCount'))
if maxUses > 0 and uses >= maxUses then
  -- The last allowed use: no new claim may land here; deleted once its jobs end.
  setState(id, 'retired', now, 'max_use_count')
else
  refreshOpen(id)
end
return ok({ instanceId = id, slot = slot, existing = false })
`;

/**
 * ARGV: jobId, nowMs. Frees the job's slot and stamps the instance's last job end (idle_time
 * counts from it). Releasing an unknown job is a no-op, so a retried release is harmless.
 */
export const RELEASE_SLOT = `
local jobId, now = ARGV[1], ARGV[2]
local held = redis.call('HGET', k('claims'), jobId)
if not held then return ok({ released = false }) end
local c = cjson.decode(held)
redis.call('HDEL', k('claims'), jobId)
local id = c.instanceId
if redis.call('HGET', skey(id), c.slot) == jobId then redis.call('HDEL', skey(id), c.slot) end
local state = redis.call('HGET', ikey(id), 'state')
if not state then
  return ok({ released = true, instanceId = id, slot = c.slot, removable = false })
end
local claimed = redis.call('HINCRBY', ikey(id), 'claimed', -1)
if claimed < 0 then redis.call('HSET', ikey(id), 'claimed', 0) claimed = 0 end
redis.call('HSET', ikey(id), 'lastJobEndedAtMs', now)
refreshOpen(id)
return ok({ released = true, instanceId = id, slot = c.slot, state = state,
  removable = (state == 'retired' and claimed == 0) })
`;
