/**
 * Lua shared by every script, prepended to each body. KEYS[1] is the runner's hash-tagged base
 * key; every other key is derived from it, so one script touches one Cluster slot only, and a
 * client-side ioredis `keyPrefix` (which prefixes KEYS) carries over to the derived keys.
 */
export const LUA_COMMON = `
local base = KEYS[1]
local function k(suffix) return base .. ':' .. suffix end
local function ikey(id) return base .. ':inst:' .. id end
local function skey(id) return base .. ':inst:' .. id .. ':slots' end
-- tostring() would print large numbers as 1.7e+12; timestamps must stay exact integers.
local function int(n) return string.format('%d', n) end
local function ok(t) return cjson.encode(t) end
local function fail(code, detail) return cjson.encode({ err = code, detail = detail }) end

-- A scaler-side mutation is allowed only with the current lease's token, before it expires.
local function fenced(token, nowMs)
  local lease = redis.call('HMGET', k('lease'), 'token', 'expiresAtMs')
  return lease[1] ~= false and lease[1] == token and tonumber(lease[2]) > nowMs
end

-- The fields every change of slots or state reads and writes in one go. countedIdle and
-- countedUnavailable are what the record adds to the maintained free-slot counters (B:free-slots),
-- so a change applies only its own difference and no script walks the fleet to sum them.
local function readRecord(id)
  local h = redis.call('HMGET', ikey(id), 'state', 'capacity', 'claimed', 'useCount', 'maxUseCount',
    'countedIdle', 'countedUnavailable')
  if not h[1] then return nil end
  return { state = h[1], capacity = tonumber(h[2]) or 0, claimed = tonumber(h[3]) or 0,
    useCount = tonumber(h[4]) or 0, maxUseCount = tonumber(h[5]) or 0,
    countedIdle = tonumber(h[6]) or 0, countedUnavailable = tonumber(h[7]) or 0 }
end

local function acceptsClaims(r)
  return r.state == 'ready' and r.claimed < r.capacity
    and (r.maxUseCount == 0 or r.useCount < r.maxUseCount)
end

-- Free slots a claim could take now (idle) and free slots that can never take one while their
-- instance still counts toward max_instances (unavailable); the snapshot's rule exactly.
local function shares(r)
  local free = math.max(0, r.capacity - r.claimed)
  if r.state == 'creating' or r.state == 'booting' then return 0, 0 end
  if acceptsClaims(r) then return free, 0 end
  return 0, free
end

-- Adds a record's change to the counters by difference with what it last added.
local function countShares(r, writes)
  local idle, unavailable = shares(r)
  if idle ~= r.countedIdle then
    redis.call('HINCRBY', k('free-slots'), 'idle', idle - r.countedIdle)
    table.insert(writes, 'countedIdle') table.insert(writes, idle)
  end
  if unavailable ~= r.countedUnavailable then
    redis.call('HINCRBY', k('free-slots'), 'unavailable', unavailable - r.countedUnavailable)
    table.insert(writes, 'countedUnavailable') table.insert(writes, unavailable)
  end
end

-- Writes a changed record (r holds its new values; writes the changed fields as a flat list)
-- with its counter shares, and puts it in or out of the open set. The open set holds exactly the
-- instances a claim may land on, scored by claimed slots, so a claim picks the busiest in O(log n).
local function commit(id, r, writes)
  local w = writes or {}
  countShares(r, w)
  if #w > 0 then redis.call('HSET', ikey(id), unpack(w)) end
  if acceptsClaims(r) then
    redis.call('ZADD', k('open'), r.claimed, id)
  else
    redis.call('ZREM', k('open'), id)
  end
end

-- Recomputes the open set and the counter shares from the record after a change made elsewhere.
local function refreshOpen(id)
  local r = readRecord(id)
  if r then commit(id, r) else redis.call('ZREM', k('open'), id) end
end

-- A record about to be deleted takes its shares out of the counters.
local function uncount(id)
  local r = readRecord(id)
  if not r then return end
  if r.countedIdle ~= 0 then redis.call('HINCRBY', k('free-slots'), 'idle', -r.countedIdle) end
  if r.countedUnavailable ~= 0 then
    redis.call('HINCRBY', k('free-slots'), 'unavailable', -r.countedUnavailable)
  end
end

local function setState(id, state, nowMs, reason)
  local r = readRecord(id)
  if not r then return end
  r.state = state
  local writes = { 'state', state, 'stateChangedAtMs', nowMs }
  if reason then table.insert(writes, 'reason') table.insert(writes, reason) end
  commit(id, r, writes)
end
`;
