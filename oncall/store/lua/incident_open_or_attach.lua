-- incident_open_or_attach: attach a call to the vendor's newest open incident of the same
-- or a more severe severity (rank <= the new one's) whose last call is within the window;
-- else create the new incident, in the vendor's index by opening time too (the weekly
-- report). Atomic: a storm of simultaneous calls opens one incident.
-- A call counts once (a retried webhook neither opens a second incident nor inflates the
-- count); a retried manual page whose incident exists returns it.
-- include: open_incidents.lua
-- KEYS[1] open: sorted set of the vendor's open incident ids by their last call
-- KEYS[2] triggered: sorted set of triggered incident ids by when their next step is due
-- KEYS[3] incident: the new incident's hash
-- KEYS[4] calls: the new incident's set of calls
-- KEYS[5] opened: sorted set of the vendor's incident ids by when they opened
-- KEYS[6...] candidates: for each id in `ids`, its hash then its set of calls
-- ARGV[1] now: epoch seconds
-- ARGV[2] window: seconds (the storm window)
-- ARGV[3] rank: the new incident's severity rank (1 most severe)
-- ARGV[4] id: the new incident's id
-- ARGV[5] call: the call's sid (or 'manual-<reference>')
-- ARGV[6] fields: the new incident's fields (JSON object of strings)
-- ARGV[7...] ids: open incident ids declared (see open_incidents.lua)
-- Returns {id, attached (0/1), new (0: this call was already counted), need}; need is {}
-- or the ids to declare before running again (then nothing was written).

local now, rank = tonumber(ARGV[1]), tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then return {ARGV[4], 0, 0, {}} end
local function attach(id, k, f)
  -- the storm rule, rotas.callrules.covers(incident rank, call rank): the one place Lua
  -- compares ranks; tests/integration/test_storm_rule.py checks both agree
  if tonumber(f[2]) > rank then return nil end
  if redis.call('SADD', KEYS[k + 1], ARGV[5]) == 0 then return {id, 1, 0, {}} end
  redis.call('HINCRBY', KEYS[k], 'calls', 1)
  redis.call('HINCRBY', KEYS[k], 'unsummarised', 1)
  redis.call('ZADD', KEYS[1], now, id)
  return {id, 1, 1, {}}
end
local found, need = first_open(KEYS[1], now - tonumber(ARGV[2]),
  declared({unpack(ARGV, 7)}, 6, 2), attach)
if need then return {'', 0, 0, need} end
if found then return found end
local flat = {}
for name, value in pairs(cjson.decode(ARGV[6])) do
  flat[#flat + 1] = name
  flat[#flat + 1] = value
end
redis.call('HSET', KEYS[3], unpack(flat))
redis.call('SADD', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZADD', KEYS[5], now, ARGV[4])
return {ARGV[4], 0, 1, {}}
