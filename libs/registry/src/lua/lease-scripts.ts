/**
 * ARGV: holderId, ttlMs, nowMs. Takes the leader lease if it is free or expired (with a new,
 * larger fencing token) or extends it for its holder; refuses while another holder's is live.
 */
export const ACQUIRE_LEASE = `
local holder, ttl, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('HMGET', k('lease'), 'holder', 'token', 'expiresAtMs')
local live = cur[1] and tonumber(cur[3]) > now
if live and cur[1] ~= holder then
  return ok({ acquired = false, holderId = cur[1], expiresAtMs = cur[3] })
end
local token = cur[2]
if not live then
  -- The counter outlives every lease, so a later leader's token is always larger.
  token = tostring(redis.call('INCR', k('fence')))
end
local expires = int(now + ttl)
redis.call('HSET', k('lease'), 'holder', holder, 'token', token, 'expiresAtMs', expires)
return ok({ acquired = true, fencingToken = token, expiresAtMs = expires })
`;

/**
 * ARGV: holderId, fencingToken, ttlMs, nowMs. Extends a live lease held with this token; an
 * expired or taken-over lease is lost and must be acquired again (with a new token).
 */
export const RENEW_LEASE = `
local holder, token, ttl, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local cur = redis.call('HMGET', k('lease'), 'holder', 'token', 'expiresAtMs')
if cur[1] ~= holder or cur[2] ~= token or tonumber(cur[3]) <= now then
  return ok({ renewed = false })
end
local expires = int(now + ttl)
redis.call('HSET', k('lease'), 'expiresAtMs', expires)
return ok({ renewed = true, expiresAtMs = expires })
`;

/** ARGV: holderId, fencingToken. Gives the lease up so another replica can lead at once. */
export const RELEASE_LEASE = `
local cur = redis.call('HMGET', k('lease'), 'holder', 'token')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then return ok({ released = false }) end
redis.call('DEL', k('lease'))
return ok({ released = true })
`;
