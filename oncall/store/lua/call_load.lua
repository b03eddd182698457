-- call_load: what a webhook after the first needs, in one round trip: the call record,
-- whether the screened attempt was accepted, follow-up SMS counts (caller today, everyone
-- this hour), whether this call already took its SMS, and the newest open incident of the
-- call's vendor (call storms): the vendor on its record, else the one the caller dialled.
-- Keys given as '' are not needed and never touched.
-- include: open_incidents.lua
-- KEYS[1] call: the call hash
-- KEYS[2] screen: the screened attempt's acceptance flag
-- KEYS[3] caller_day: follow-up SMS sent to the caller today, or ''
-- KEYS[4] hour: follow-up SMS sent to everyone this hour, or ''
-- KEYS[5] sms_once: whether this call took its follow-up SMS, or ''
-- KEYS[6] open: sorted set of `vendor`'s open incident ids, or '' (no lookup)
-- KEYS[7...] incidents: the hash of each id in `ids`
-- ARGV[1] since: look for an incident with a call since (epoch seconds); '' for none
-- ARGV[2] vendor: the vendor whose open incidents are KEYS[6] ('' when unknown)
-- ARGV[3...] ids: open incident ids declared (see open_incidents.lua)
-- Returns {call hash as a flat list, accepted (0/1), caller's SMS today, everyone's SMS this
-- hour, newest open incident {id, rank} or {}, SMS taken (-1 not yet, 0 refused,
-- 1 allowed), need}; need is {} or {vendor, ids...}: the vendor whose open incidents to
-- look up (the record's, when it is not `vendor`) and the ids to declare, before running
-- again.

local function count(key, none)
  if key == '' then return none end
  return tonumber(redis.call('GET', key) or none)
end
local newest, need = {}, {}
local vendor = redis.call('HGET', KEYS[1], 'vendor') or ARGV[2]
if ARGV[1] ~= '' and vendor ~= '' then
  if vendor ~= ARGV[2] then
    need = {vendor}
  else
    local found, ids = first_open(KEYS[6], ARGV[1], declared({unpack(ARGV, 3)}, 7, 1),
      function(id, _, f) return {id, f[2]} end)
    if ids then need = {vendor, unpack(ids)} else newest = found or {} end
  end
end
return {redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2]),
        count(KEYS[3], 0), count(KEYS[4], 0), newest, count(KEYS[5], -1), need}
