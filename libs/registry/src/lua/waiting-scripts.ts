/**
 * Lua helpers of the claim path, prepended after LUA_COMMON: one claim on a chosen instance, and
 * the waiting list. `B:waiting` scores each job that found no slot by its arrival number, so
 * `B:waiting-until` (its expiry, renewed at each look) lets a dead executor's job lapse.
 */
export const CLAIM_HELPERS = `
-- The claim itself on instance id: lowest free slot, use count +1, retire at max_use_count.
-- nil when the slots hash has no room though the record says there is (the caller reports it).
local function claimOn(id, jobId, now, granted)
  local r = readRecord(id)
  if not r then redis.call('ZREM', k('open'), id) return nil end
  local taken = {}
  for _, s in ipairs(redis.call('HKEYS', skey(id))) do taken[tonumber(s)] = true end
  local slot = nil
  for s = 0, r.capacity - 1 do
    if not taken[s] then slot = s break end
  end
  if slot == nil then commit(id, r) return nil end
  redis.call('HSET', skey(id), slot, jobId)
  local claim = { instanceId = id, slot = slot, claimedAtMs = now }
  if granted then claim.granted = true end
  redis.call('HSET', k('claims'), jobId, cjson.encode(claim))
  r.claimed = r.claimed + 1
  r.useCount = r.useCount + 1
  -- Kept after the record is cleared, so a used instance is never adopted as fresh (B52).
  redis.call('ZADD', k('used'), now, id)
  redis.call('HDEL', k('pending'), jobId)
  local writes = { 'claimed', r.claimed, 'useCount', r.useCount, 'lastClaimedAtMs', now }
  if r.maxUseCount > 0 and r.useCount >= r.maxUseCount then
    -- The last allowed use: no new claim may land here; deleted once its jobs end.
    r.state = 'retired'
    for _, v in ipairs({ 'state', 'retired', 'stateChangedAtMs', now, 'reason', 'max_use_count' }) do
      table.insert(writes, v)
    end
  end
  commit(id, r, writes)
  return slot
end

-- A claim the job holds; one granted while it waited is reported once as new (not existing).
local function heldAnswer(jobId, held)
  local c = cjson.decode(held)
  if c.granted then
    c.granted = nil
    redis.call('HSET', k('claims'), jobId, cjson.encode(c))
    return ok({ instanceId = c.instanceId, slot = c.slot, existing = false, granted = true })
  end
  return ok({ instanceId = c.instanceId, slot = c.slot, existing = true })
end

-- Gives open slots to waiting jobs in arrival order, busiest instance first, and announces each
-- grant on B:granted; entries not renewed in time are dropped first, so a dead executor's job
-- never holds up the next. True when something was granted.
local function serveWaiting(now)
  if redis.call('EXISTS', k('waiting')) == 0 then return false end
  local dead = redis.call('ZRANGEBYSCORE', k('waiting-until'), '-inf', now)
  for _, jobId in ipairs(dead) do redis.call('ZREM', k('waiting'), jobId) end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', k('waiting-until'), '-inf', now) end
  local granted = false
  -- Each pass grants one slot or stops, so the open slots bound it.
  while true do
    local head = redis.call('ZRANGE', k('waiting'), 0, 0)
    if #head == 0 then break end
    local top = redis.call('ZREVRANGE', k('open'), 0, 0)
    if #top == 0 then break end
    local jobId = head[1]
    if redis.call('HEXISTS', k('claims'), jobId) == 0 then
      if not claimOn(top[1], jobId, now, true) then break end
      redis.call('PUBLISH', k('granted'), jobId)
      granted = true
    end
    redis.call('ZREM', k('waiting'), jobId)
    redis.call('ZREM', k('waiting-until'), jobId)
  end
  return granted
end
`;

/**
 * ARGV: jobId. The job stops waiting (acquire timeout, cancel, shutdown): its entry is removed,
 * and a slot granted to it meanwhile is returned, so the caller either uses or releases it.
 */
export const LEAVE_WAITING =
  CLAIM_HELPERS +
  `
local jobId = ARGV[1]
redis.call('ZREM', k('waiting'), jobId)
redis.call('ZREM', k('waiting-until'), jobId)
local held = redis.call('HGET', k('claims'), jobId)
if held then return heldAnswer(jobId, held) end
return ok({ none = true })
`;
