/**
 * ARGV: nowMs. Reads every record the planner needs in one atomic step, so counts never mix two
 * moments. Expired reservations are skipped, not removed. Since it reads every record anyway, it
 * also checks the maintained free-slot counters against this full recount and repairs them (a
 * record written by an older version, a key lost): the reply's last element counts the repairs,
 * which are zero unless something bypassed the scripts.
 */
export const SNAPSHOT = `
local now = ARGV[1]
local instances = {}
local idleSum, unavailableSum, repairs = 0, 0, 0
for _, id in ipairs(redis.call('SMEMBERS', k('instances'))) do
  local fields = redis.call('HGETALL', ikey(id))
  if #fields > 0 then
    table.insert(instances, { id, fields, redis.call('HGETALL', skey(id)) })
    local f = {}
    for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
    local r = { state = f.state, capacity = tonumber(f.capacity) or 0,
      claimed = tonumber(f.claimed) or 0, useCount = tonumber(f.useCount) or 0,
      maxUseCount = tonumber(f.maxUseCount) or 0 }
    local idle, unavailable = shares(r)
    idleSum, unavailableSum = idleSum + idle, unavailableSum + unavailable
    if idle ~= (tonumber(f.countedIdle) or 0) or unavailable ~= (tonumber(f.countedUnavailable) or 0) then
      redis.call('HSET', ikey(id), 'countedIdle', idle, 'countedUnavailable', unavailable)
      repairs = repairs + 1
    end
  end
end
local counted = redis.call('HMGET', k('free-slots'), 'idle', 'unavailable')
if (tonumber(counted[1]) or 0) ~= idleSum or (tonumber(counted[2]) or 0) ~= unavailableSum then
  redis.call('HSET', k('free-slots'), 'idle', idleSum, 'unavailable', unavailableSum)
  repairs = repairs + 1
end
return {
  cjson.encode(instances),
  redis.call('ZCOUNT', k('reservations'), '(' .. now, '+inf'),
  redis.call('HLEN', k('pending')),
  redis.call('HLEN', k('claims')),
  redis.call('HGETALL', k('terminations')),
  repairs,
}
`;
