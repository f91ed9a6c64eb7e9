/**
 * Lua for the durable job record (`B:job:<id>`, a hash) and the index of records not yet
 * delivered (`B:jobs-open`, a sorted set scored by when the owner's lease runs out). KEYS[1] is the record, KEYS[2]
 * the index; both sit under the runner's hash tag, so one script touches one Cluster slot.
 * Fields: stage (claimed | started | finished | delivered), owner, ownerUntilMs, target and
 * outbox (encrypted envelopes), updatedAtMs.
 */
const COMMON = `
local rec, open = KEYS[1], KEYS[2]
local function ok(t) return cjson.encode(t) end
local function int(n) return string.format('%d', n) end
local function live(now)
  local h = redis.call('HMGET', rec, 'owner', 'ownerUntilMs')
  if h[1] and tonumber(h[2] or '0') > now then return h[1] end
  return nil
end
`;

/**
 * ARGV: owner, nowMs, leaseMs, ttlMs, jobId, target. Takes the job for `owner` unless another
 * owner's lease is live; a new record starts at `claimed` with `target` stored.
 */
export const TAKE_JOB = `${COMMON}
local owner, now, leaseMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ttlMs, jobId, target = ARGV[4], ARGV[5], ARGV[6]
local holder = live(now)
if holder and holder ~= owner then
  return ok({ taken = false, owner = holder, stage = redis.call('HGET', rec, 'stage') })
end
local stage = redis.call('HGET', rec, 'stage')
local previous = redis.call('HGET', rec, 'owner')
if stage == 'delivered' then
  return ok({ taken = true, stage = stage, previousOwner = previous or cjson.null })
end
if not stage then
  stage = 'claimed'
  redis.call('HSET', rec, 'stage', stage, 'target', target)
end
redis.call('HSET', rec, 'owner', owner, 'ownerUntilMs', int(now + leaseMs), 'updatedAtMs', int(now))
redis.call('PEXPIRE', rec, ttlMs)
redis.call('ZADD', open, now + leaseMs, jobId)
return ok({ taken = true, stage = stage, previousOwner = previous or cjson.null,
  target = redis.call('HGET', rec, 'target') or cjson.null,
  outbox = redis.call('HGET', rec, 'outbox') or cjson.null })
`;

/** ARGV: owner, nowMs, leaseMs, jobId. Extends the owner's lease; false once another owner took over. */
export const RENEW_JOB = `${COMMON}
local owner, now, leaseMs, jobId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('HGET', rec, 'owner') ~= owner then return ok({ renewed = false }) end
redis.call('HSET', rec, 'ownerUntilMs', int(now + leaseMs))
if redis.call('HGET', rec, 'stage') ~= 'delivered' then redis.call('ZADD', open, now + leaseMs, jobId) end
return ok({ renewed = true })
`;

/**
 * ARGV: owner, nowMs, fromStages (comma list), toStage, outbox (or ''), jobId. Moves the record
 * to `toStage` only while `owner` holds it and it is in one of `fromStages`; the fence that keeps
 * a run that lost its lease from starting a script or writing a second final state.
 */
export const ADVANCE_JOB = `${COMMON}
local owner, now, from, to, outbox = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local h = redis.call('HMGET', rec, 'owner', 'stage')
if h[1] ~= owner then
  return ok({ advanced = false, owner = h[1] or cjson.null, stage = h[2] or cjson.null })
end
local allowed = false
for s in string.gmatch(from, '[^,]+') do if s == h[2] then allowed = true end end
if not allowed then return ok({ advanced = false, owner = owner, stage = h[2] or cjson.null }) end
redis.call('HSET', rec, 'stage', to, 'updatedAtMs', int(now))
if outbox ~= '' then redis.call('HSET', rec, 'outbox', outbox) end
return ok({ advanced = true })
`;

/**
 * ARGV: nowMs, jobId. The final state reached GitLab (or GitLab no longer has the job): the
 * secrets are dropped, the record stays as `delivered` so a redelivery only acknowledges it.
 */
export const DELIVER_JOB = `${COMMON}
local now, jobId = tonumber(ARGV[1]), ARGV[2]
redis.call('HSET', rec, 'stage', 'delivered', 'updatedAtMs', int(now), 'ownerUntilMs', '0')
redis.call('HDEL', rec, 'target', 'outbox')
redis.call('ZREM', open, jobId)
return ok({ delivered = true })
`;

/** ARGV: owner, jobId. Gives the lease up at once so any executor may take the job over. */
export const RELEASE_JOB = `${COMMON}
if redis.call('HGET', rec, 'owner') == ARGV[1] then
  redis.call('HSET', rec, 'ownerUntilMs', '0')
  if redis.call('HGET', rec, 'stage') ~= 'delivered' then redis.call('ZADD', open, 0, ARGV[2]) end
end
return ok({ released = true })
`;
