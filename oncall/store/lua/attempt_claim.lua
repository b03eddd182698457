-- attempt_claim: a run (RQ job) claims a page attempt before sending. It must own the
-- attempt (an older run is stale) and no other run may be mid-send (`sending` until `hold`).
-- A settled attempt (sent or failed) leaves the unsent index.
-- KEYS[1] attempt: the attempt hash
-- KEYS[2] unsent: sorted set of pages not yet sent
-- ARGV[1] run: the claiming run's number
-- ARGV[2] now: epoch seconds
-- ARGV[3] hold: until when the claim holds (epoch seconds)
-- ARGV[4] member: the page's member in `unsent`
-- Returns {outcome, previous state ('' for a new attempt), tries, due, since}; outcome is
-- claimed | sent | failed | stale | busy; due: when the first run claimed the page, since:
-- when a run first could not send it ('' if none has), both only when claimed.

local f = redis.call('HMGET', KEYS[1], 'state', 'run', 'hold', 'due', 'since')
local state, run, hold = f[1], tonumber(f[2] or 0), tonumber(f[3] or 0)
if state == 'sent' or state == 'failed' then
  redis.call('ZREM', KEYS[2], ARGV[4])
  return {state, state, 0}
end
if tonumber(ARGV[1]) < run then return {'stale', state or '', 0} end
if state == 'sending' and tonumber(ARGV[2]) < hold then return {'busy', state, 0} end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
redis.call('HSET', KEYS[1], 'state', 'sending', 't', ARGV[2], 'run', ARGV[1], 'hold', ARGV[3])
local due = f[4] or ARGV[2]
if not f[4] then redis.call('HSET', KEYS[1], 'due', due) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return {'claimed', state or '', tries, due, f[5] or ''}
