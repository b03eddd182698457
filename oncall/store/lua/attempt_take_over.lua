-- attempt_take_over: the sweep hands a page from run `run` (dead, lost or removed) to a new
-- run. A settled attempt (sent or failed) leaves the unsent index instead.
-- KEYS[1] attempt: the attempt hash
-- KEYS[2] unsent: sorted set of pages not yet sent
-- ARGV[1] run: the run expected to own the page
-- ARGV[2] check_at: when the sweep should look again (epoch seconds)
-- ARGV[3] member: the page's member in `unsent`
-- Returns the new run's number, or -1 when the page is settled or already moved on.

local f = redis.call('HMGET', KEYS[1], 'state', 'run')
if f[1] == 'sent' or f[1] == 'failed' then redis.call('ZREM', KEYS[2], ARGV[3]) return -1 end
local run = tonumber(f[2] or 0)
if run ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'run', run + 1, 'next_try_at', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return run + 1
