/** Lua helpers of the reservation scripts: expiry of reservations not converted in time. */
const RESERVATION_HELPERS = `
local function purgeReservations(now)
  local dead = redis.call('ZRANGEBYSCORE', k('reservations'), '-inf', now)
  for _, id in ipairs(dead) do redis.call('HDEL', k('reservation-owners'), id) end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', k('reservations'), '-inf', now) end
end
`;

/**
 * ARGV: ownerId, ttlMs, nowMs, mode, maxInstances, capacityPerInstance, jobLimit (0 = none).
 * Reserves intake capacity
 * before a poller asks GitLab for a job (invariant 6). Check and insert are one step, so pollers
 * sharing a runner can never together reserve more than there is. The reservation counts against
 * capacity but pins no slot: it never blocks a drain, so open long-polls cannot keep an idle
 * instance alive (B03), and it never counts as a use (B06).
 */
export const RESERVE =
  RESERVATION_HELPERS +
  `
local owner, ttl, now, mode = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local maxInstances, capacity, jobLimit = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
purgeReservations(now)
local reserved = redis.call('ZCARD', k('reservations'))
local pending = redis.call('HLEN', k('pending'))
local claimed = redis.call('HLEN', k('claims'))
-- The runner's limit counts every job it handles: polls in flight, accepted and running jobs.
if jobLimit > 0 and reserved + pending + claimed >= jobLimit then
  return ok({ reserved = false, reason = 'job_limit' })
end
-- Maintained by every script that changes slots or states (commit in common.ts): no walk here.
local free = redis.call('HMGET', k('free-slots'), 'idle', 'unavailable')
local idle, unavailable = tonumber(free[1]) or 0, tonumber(free[2]) or 0
local potential = maxInstances * capacity - claimed - unavailable - reserved - pending
if potential <= 0 then return ok({ reserved = false, reason = 'no_potential_capacity' }) end
if mode == 'preemptive' and idle - reserved - pending <= 0 then
  return ok({ reserved = false, reason = 'no_available_capacity' })
end
local id = 'r' .. redis.call('INCR', k('seq'))
local expires = int(now + ttl)
redis.call('ZADD', k('reservations'), expires, id)
redis.call('HSET', k('reservation-owners'), id, owner)
return ok({ reserved = true, reservationId = id, expiresAtMs = expires })
`;

/** ARGV: nowMs. Jobs this runner handles now: live reservations, pending jobs and claims. */
export const INTAKE_COUNTS = `
local reserved = redis.call('ZCOUNT', k('reservations'), '(' .. ARGV[1], '+inf')
return ok({ reserved = reserved, pending = redis.call('HLEN', k('pending')),
  claimed = redis.call('HLEN', k('claims')) })
`;

/** ARGV: reservationId. The poll returned no job (204): give the capacity back. */
export const RELEASE_RESERVATION = `
local gone = redis.call('ZREM', k('reservations'), ARGV[1])
redis.call('HDEL', k('reservation-owners'), ARGV[1])
return ok({ released = gone == 1 })
`;

/**
 * ARGV: reservationId, jobId, nowMs. The poll returned a job: the reservation becomes pending
 * demand keyed by job id (removed when the job claims a slot), in one step so capacity is never
 * counted twice or not at all. An expired reservation still converts: the job was accepted.
 */
export const CONVERT_RESERVATION = `
local gone = redis.call('ZREM', k('reservations'), ARGV[1])
redis.call('HDEL', k('reservation-owners'), ARGV[1])
if redis.call('HEXISTS', k('claims'), ARGV[2]) == 0 then
  redis.call('HSET', k('pending'), ARGV[2], ARGV[3])
end
return ok({ converted = true, reservationExpired = gone == 0 })
`;

/** ARGV: jobId. A pending job ended without a claim (failed back, canceled): drop its demand. */
export const DROP_PENDING = `
return ok({ dropped = redis.call('HDEL', k('pending'), ARGV[1]) == 1 })
`;

/** ARGV: ownerId. A poller shuts down: release every reservation it holds. */
export const RELEASE_OWNER_RESERVATIONS = `
local owners = redis.call('HGETALL', k('reservation-owners'))
local count = 0
for i = 1, #owners, 2 do
  if owners[i + 1] == ARGV[1] then
    redis.call('ZREM', k('reservations'), owners[i])
    redis.call('HDEL', k('reservation-owners'), owners[i])
    count = count + 1
  end
end
return ok({ released = count })
`;
