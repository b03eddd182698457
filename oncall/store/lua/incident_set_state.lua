-- incident_set_state: triggered -> acknowledged -> resolved, never backwards. The incident
-- leaves the escalation index; resolved, it also leaves its vendor's open incidents.
-- KEYS[1] incident: the incident hash
-- KEYS[2] triggered: sorted set of triggered incident ids
-- KEYS[3] open: sorted set of the vendor's open incident ids
-- ARGV[1] state: acknowledged | resolved
-- ARGV[2] by: who (recorded as `<state>_by`)
-- ARGV[3] now: epoch seconds (recorded as `<state>_at`)
-- ARGV[4] id: the incident id (its member in `triggered` and `open`)
-- Returns 1 if the state moved forward, else 0.

local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
local order = {triggered = 1, acknowledged = 2, resolved = 3}
if order[ARGV[1]] <= order[state] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], ARGV[1] .. '_by', ARGV[2], ARGV[1] .. '_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[1] == 'resolved' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return 1
