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

-- The open set holds exactly the instances a claim may land on, scored by claimed slots, so a
-- claim picks the busiest one in O(log n). Recomputed from the record after every change.
local function refreshOpen(id)
  local h = redis.call('HMGET', ikey(id), 'state', 'capacity', 'claimed', 'useCount', 'maxUseCount')
  if h[1] == 'ready' and tonumber(h[3]) < tonumber(h[2])
    and (tonumber(h[5]) == 0 or tonumber(h[4]) < tonumber(h[5])) then
    redis.call('ZADD', k('open'), h[3], id)
  else
    redis.call('ZREM', k('open'), id)
  end
end

local function setState(id, state, nowMs, reason)
  redis.call('HSET', ikey(id), 'state', state, 'stateChangedAtMs', nowMs)
  if reason then redis.call('HSET', ikey(id), 'reason', reason) end
  refreshOpen(id)
end
`;
