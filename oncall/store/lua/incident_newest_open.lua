-- incident_newest_open: the vendor's newest open (not resolved) incident with a call since
-- `since`.
-- include: open_incidents.lua
-- KEYS[1] open: sorted set of the vendor's open incident ids by their last call
-- KEYS[2...] incidents: the hash of each id in `ids`
-- ARGV[1] since: epoch seconds
-- ARGV[2...] ids: incident ids declared (see open_incidents.lua)
-- Returns {newest, need}: newest is {id, rank} or {}; need is {} or the ids to declare
-- before running again.

local found, need = first_open(KEYS[1], ARGV[1], declared({unpack(ARGV, 2)}, 2, 1),
  function(id, _, f) return {id, f[2]} end)
return {found or {}, need or {}}
