-- attempt_reschedule: run `run` could not send; the next run (run + 1) owns the page from
-- `next_try_at`, and the sweep looks at it then if no run has.
-- KEYS[1] attempt: the attempt hash
-- KEYS[2] unsent: sorted set of pages not yet sent
-- ARGV[1] run: the run giving the page up
-- ARGV[2] state: the attempt's new state (retry | unknown)
-- ARGV[3] next_try_at: epoch seconds
-- ARGV[4] member: the page's member in `unsent`
-- ARGV[5] now: epoch seconds (`since`, kept from the first time)
-- ARGV[6] error: why it could not send
-- Returns 1, or 0 if `run` no longer owned the page.

if tonumber(redis.call('HGET', KEYS[1], 'run') or 0) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'run', tonumber(ARGV[1]) + 1,
  'next_try_at', ARGV[3], 'last_error', ARGV[6], 'hold', 0)
redis.call('HSETNX', KEYS[1], 'since', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
