-- incident_advance: escalation step `step` ran; move the fencing token to step + 1 (only if
-- it is still `step` and the incident still triggered).
-- KEYS[1] incident: the incident hash
-- KEYS[2] triggered: sorted set of triggered incident ids by when their next step is due
-- ARGV[1] step: the step that ran
-- ARGV[2] next_at: when step + 1 is due (epoch seconds; '' when the plan is exhausted)
-- ARGV[3] id: the incident id (its member in `triggered`)
-- Returns 1 if the token moved, else 0.

local f = redis.call('HMGET', KEYS[1], 'state', 'step')
if f[1] ~= 'triggered' or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'step', tonumber(ARGV[1]) + 1, 'next_step_at', ARGV[2])
-- an exhausted plan stays in the index (at +inf) so respond_by is still watched
redis.call('ZADD', KEYS[2], ARGV[2] == '' and '+inf' or ARGV[2], ARGV[3])
return 1
