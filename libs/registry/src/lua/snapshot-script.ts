/**
 * ARGV: nowMs. Reads every record the planner needs in one atomic step, so counts never mix two
 * moments. Read-only: expired reservations are skipped, not removed.
 */
export const SNAPSHOT = `
local now = ARGV[1]
local instances = {}
for _, id in ipairs(redis.call('SMEMBERS', k('instances'))) do
  local fields = redis.call('HGETALL', ikey(id))
  if #fields > 0 then
    table.insert(instances, { id, fields, redis.call('HGETALL', skey(id)) })
  end
end
return {
  cjson.encode(instances),
  redis.call('ZCOUNT', k('reservations'), '(' .. now, '+inf'),
  redis.call('HLEN', k('pending')),
  redis.call('HLEN', k('claims')),
  redis.call('HGETALL', k('terminations')),
}
`;
