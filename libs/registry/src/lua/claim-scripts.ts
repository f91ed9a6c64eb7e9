import { CLAIM_HELPERS } from './waiting-scripts';

/**
 * ARGV: jobId, nowMs, waitTtlMs (0: do not wait). Gives the job a slot on the busiest open
 * instance, or returns the slot it holds (claimed before, or granted while it waited). Jobs that
 * wait are served first, in arrival order; with waitTtlMs a job that finds no slot joins the
 * waiting list (or renews its place) until nowMs + waitTtlMs. The pick, the slot write and the use
 * count are one step, so two executors never take one slot, a drain cannot slip in between, and
 * the use is durable at once (B11).
 */
export const CLAIM_SLOT =
  CLAIM_HELPERS +
  `
local jobId, now, waitTtl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local held = redis.call('HGET', k('claims'), jobId)
if held then return heldAnswer(jobId, held) end
if serveWaiting(now) then
  held = redis.call('HGET', k('claims'), jobId)
  if held then return heldAnswer(jobId, held) end
end
-- After serving, an open slot means nobody waits: this job takes it without overtaking anyone.
local top = redis.call('ZREVRANGE', k('open'), 0, 0)
if #top > 0 then
  local slot = claimOn(top[1], jobId, now, false)
  if slot == nil then return fail('inconsistent_state', top[1]) end
  return ok({ instanceId = top[1], slot = slot, existing = false })
end
if waitTtl > 0 then
  if not redis.call('ZSCORE', k('waiting'), jobId) then
    redis.call('ZADD', k('waiting'), redis.call('INCR', k('wait-seq')), jobId)
  end
  redis.call('ZADD', k('waiting-until'), int(tonumber(now) + waitTtl), jobId)
  return ok({ none = true, position = redis.call('ZRANK', k('waiting'), jobId) + 1 })
end
return ok({ none = true })
`;

/**
 * ARGV: jobId, nowMs. Frees the job's slot, stamps the instance's last job end (idle_time counts
 * from it) and hands the slot to the first waiting job. Releasing an unknown job is a no-op, so
 * a retried release is harmless.
 */
export const RELEASE_SLOT =
  CLAIM_HELPERS +
  `
local jobId, now = ARGV[1], ARGV[2]
local held = redis.call('HGET', k('claims'), jobId)
if not held then return ok({ released = false }) end
local c = cjson.decode(held)
redis.call('HDEL', k('claims'), jobId)
local id = c.instanceId
if redis.call('HGET', skey(id), c.slot) == jobId then redis.call('HDEL', skey(id), c.slot) end
local r = readRecord(id)
if not r then
  return ok({ released = true, instanceId = id, slot = c.slot, removable = false })
end
r.claimed = math.max(0, r.claimed - 1)
commit(id, r, { 'claimed', r.claimed, 'lastJobEndedAtMs', now })
serveWaiting(now)
return ok({ released = true, instanceId = id, slot = c.slot, state = r.state,
  removable = (r.state == 'retired' and r.claimed == 0) })
`;
