/**
 * ARGV: jobId, nowMs, instanceId, reason. An executor lost the instance under the job it runs
 * there: the instance leaves the open set as unhealthy at once and its failure count goes up.
 * Not fenced (executors hold no lease); the job's own claim on the instance is the credential,
 * so a stale or mistaken report about an instance the job does not hold changes nothing.
 */
export const REPORT_LOST_INSTANCE = `
local jobId, nowMs, id = ARGV[1], ARGV[2], ARGV[3]
local held = redis.call('HGET', k('claims'), jobId)
if not held then return ok({ accepted = false, why = 'no_claim' }) end
if cjson.decode(held).instanceId ~= id then return ok({ accepted = false, why = 'other_instance' }) end
local state = redis.call('HGET', ikey(id), 'state')
if not state then return ok({ accepted = false, why = 'not_found' }) end
local count = redis.call('HINCRBY', ikey(id), 'failureCount', 1)
redis.call('HSET', ikey(id), 'lostAtMs', nowMs)
if state == 'creating' or state == 'booting' or state == 'ready' or state == 'retired' then
  setState(id, 'unhealthy', nowMs, ARGV[4])
  state = 'unhealthy'
end
return ok({ accepted = true, state = state, failureCount = count })
`;
