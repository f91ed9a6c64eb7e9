/**
 * ARGV: fencingToken, nowMs, then field, value pairs. Writes the leader's own state (pending
 * creations, throttle, last scale times) into one hash, only with the live lease's token, so a
 * paused old leader can never overwrite what its successor keeps.
 */
export const WRITE_SCALER_STATE = `
local token, nowMs = ARGV[1], tonumber(ARGV[2])
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
if #ARGV > 2 then
  local fields = {}
  for i = 3, #ARGV do table.insert(fields, ARGV[i]) end
  redis.call('HSET', k('scaler-state'), unpack(fields))
end
return ok({ written = true })
`;

/**
 * ARGV: fencingToken, nowMs, instanceId. Stamps a recorded termination intent with the time its
 * termination is sent and counts the attempt; written before the cloud call, so a stale leader
 * is refused before it can call the cloud, and the next leader knows when to retry.
 */
export const MARK_TERMINATION_SENT = `
local token, nowMs, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not fenced(token, nowMs) then return fail('stale_fencing_token') end
local raw = redis.call('HGET', k('terminations'), id)
if not raw then return fail('not_found') end
local intent = cjson.decode(raw)
intent.sentAtMs = ARGV[2]
intent.attempts = tostring((tonumber(intent.attempts) or 0) + 1)
redis.call('HSET', k('terminations'), id, cjson.encode(intent))
return ok({ attempts = intent.attempts })
`;
