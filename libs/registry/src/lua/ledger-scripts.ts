/**
 * Lua shared by the ledger scripts (tombstones, use ledger, orphan sightings), prepended after
 * LUA_COMMON. `:gone` scores each instance the cloud ended by when we saw it; `:used` scores each
 * instance by its last claim, kept after its record is cleared; `:orphans` holds sightings.
 */
const LEDGER_COMMON = `
-- Every job id whose claim names this instance, in the claims hash or its slots hash: a record
-- written under another slot name, or a slots hash left without its record, still counts (B30).
local function claimsNaming(id)
  local jobs, seen = {}, {}
  local slots = redis.call('HGETALL', skey(id))
  for i = 2, #slots, 2 do
    if not seen[slots[i]] then table.insert(jobs, slots[i]) seen[slots[i]] = true end
  end
  local claims = redis.call('HGETALL', k('claims'))
  for i = 1, #claims, 2 do
    local ok_, c = pcall(cjson.decode, claims[i + 1])
    if ok_ and type(c) == 'table' and c.instanceId == id and not seen[claims[i]] then
      table.insert(jobs, claims[i])
      seen[claims[i]] = true
    end
  end
  return jobs
end

local function prune(nowMs, retentionMs)
  local before = '(' .. int(nowMs - retentionMs)
  redis.call('ZREMRANGEBYSCORE', k('gone'), '-inf', before)
  redis.call('ZREMRANGEBYSCORE', k('used'), '-inf', before)
end
`;

/**
 * ARGV: fencingToken, nowMs, instanceId, reason, retentionMs. The cloud ended the instance without
 * our asking (a spot reclaim, a termination from outside): in one step it is tombstoned, taken out
 * of service (deleting, with the reason) and every claim naming it is dropped, so no claim can land
 * on it or stay on it; the jobs that held those claims are returned (B33).
 */
export const MARK_GONE =
  LEDGER_COMMON +
  `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
prune(nowMs, tonumber(ARGV[5]))
local already = redis.call('ZSCORE', k('gone'), id) ~= false
redis.call('ZADD', k('gone'), ARGV[2], id)
local orphaned = claimsNaming(id)
for _, jobId in ipairs(orphaned) do redis.call('HDEL', k('claims'), jobId) end
redis.call('DEL', skey(id))
local r = readRecord(id)
local state = r and r.state
if r then
  r.claimed = 0
  local writes = { 'claimed', 0 }
  if r.state ~= 'deleting' or not already then
    r.state = 'deleting'
    for _, v in ipairs({ 'state', 'deleting', 'stateChangedAtMs', ARGV[2], 'reason', ARGV[4] }) do
      table.insert(writes, v)
    end
  end
  commit(id, r, writes)
else
  redis.call('ZREM', k('open'), id)
end
return ok({ known = state and true or false, alreadyGone = already, orphaned = orphaned })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId. Counts one sighting of a group member without a record
 * (one per sweep pass) and says what the registry knows of it: the jobs whose claims name it,
 * whether it was ever claimed, whether it is tombstoned. Nothing is written for a known id.
 */
export const SIGHT_ORPHAN =
  LEDGER_COMMON +
  `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
if redis.call('EXISTS', ikey(id)) == 1 then return ok({ known = true }) end
local raw = redis.call('HGET', k('orphans'), id)
local firstSeen, passes = ARGV[2], 0
if raw then
  local s = cjson.decode(raw)
  firstSeen, passes = s.firstSeenAtMs, tonumber(s.passes)
end
passes = passes + 1
redis.call('HSET', k('orphans'), id,
  cjson.encode({ firstSeenAtMs = firstSeen, passes = passes, lastSeenAtMs = ARGV[2] }))
return ok({ known = false, passes = passes, firstSeenAtMs = firstSeen,
  claimedBy = claimsNaming(id),
  used = redis.call('ZSCORE', k('used'), id) ~= false,
  gone = redis.call('ZSCORE', k('gone'), id) ~= false })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId, minPasses, seenAtMostMs, reason, capacity, maxUseCount,
 * retentionMs. Confirms an orphan and registers it draining with the reason in one step, only if
 * it still has no record and no claim names it, it was sighted on at least minPasses passes and
 * first sighted at or before seenAtMostMs; the caller then records its termination.
 */
export const TAKE_ORPHAN =
  LEDGER_COMMON +
  `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
if redis.call('EXISTS', ikey(id)) == 1 then return ok({ taken = false, why = 'known' }) end
if #claimsNaming(id) > 0 then return ok({ taken = false, why = 'claimed' }) end
local raw = redis.call('HGET', k('orphans'), id)
if not raw then return ok({ taken = false, why = 'unconfirmed' }) end
local s = cjson.decode(raw)
if tonumber(s.passes) < tonumber(ARGV[4]) or tonumber(s.firstSeenAtMs) > tonumber(ARGV[5]) then
  return ok({ taken = false, why = 'unconfirmed' })
end
prune(nowMs, tonumber(ARGV[9]))
redis.call('HSET', ikey(id), 'state', 'draining', 'capacity', ARGV[7], 'claimed', 0, 'useCount', 0,
  'maxUseCount', ARGV[8], 'createdAtMs', ARGV[2], 'stateChangedAtMs', ARGV[2], 'failureCount', 0,
  'internalAddress', '', 'externalAddress', '', 'reason', ARGV[6])
redis.call('SADD', k('instances'), id)
refreshOpen(id)
redis.call('HDEL', k('orphans'), id)
return ok({ taken = true })
`;

/**
 * ARGV: fencingToken, nowMs, then every id still without a record this pass (sighted, or whose
 * sighting failed). Forgets the sightings of every other id (it left the group or got a record),
 * so a later return starts its confirmation over; returns the oldest first sighting kept.
 */
export const PRUNE_ORPHANS = `
local token, nowMs = ARGV[1], tonumber(ARGV[2])
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
local dropped, oldest = 0, nil
local all = redis.call('HGETALL', k('orphans'))
for i = 1, #all, 2 do
  local id = all[i]
  if keep[id] and redis.call('EXISTS', ikey(id)) == 0 then
    local first = tonumber(cjson.decode(all[i + 1]).firstSeenAtMs)
    if oldest == nil or first < oldest then oldest = first end
  else
    redis.call('HDEL', k('orphans'), id)
    dropped = dropped + 1
  end
end
return ok({ dropped = dropped, oldestFirstSeenAtMs = oldest and int(oldest) or '' })
`;
