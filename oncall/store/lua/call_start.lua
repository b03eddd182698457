-- call_start: the first webhook of a call, in one round trip. Allocates the call's reference
-- once (a retried first webhook gets the same one), records who called which number when,
-- with the "incoming call" event, and decides once whether the caller is over the call-rate
-- limit (`limit` accepted calls in a sliding 10-minute window; members are call sids). Only
-- accepted calls enter the window, so a caller who keeps redialling is limited for at most
-- 10 minutes after their last accepted call, never locked out. The decision is kept on the
-- record ('limited').
-- KEYS[1] call: the call hash
-- KEYS[2] counter: the vendor's reference counter for the year
-- KEYS[3] calls: sorted set of call sids by start time
-- KEYS[4] caller_calls: the caller's recent accepted calls (rate limit)
-- KEYS[5] blocked: set of refused caller numbers
-- KEYS[6] events: the call's event list
-- ARGV[1] prefix: reference prefix ('AIDN-2026-')
-- ARGV[2] ttl: seconds call records are kept
-- ARGV[3] now: epoch seconds
-- ARGV[4] sid: the call's sid
-- ARGV[5] caller: the caller's number ('' when withheld)
-- ARGV[6] vendor: the vendor's id
-- ARGV[7] to: the number dialled
-- ARGV[8] started: local start time (ISO)
-- ARGV[9] event: the first event (JSON), or ''
-- ARGV[10] limit: accepted calls per caller per 10 minutes
-- Returns {reference, caller blocked (0/1), the call hash as a flat list}.

local ref = redis.call('HGET', KEYS[1], 'reference')
local now = tonumber(ARGV[3])
if not ref then
  local n = redis.call('INCR', KEYS[2])
  ref = ARGV[1] .. string.format('%06d', n)
  redis.call('HSET', KEYS[1], 'reference', ref, 'vendor', ARGV[6], 'caller', ARGV[5],
             'to', ARGV[7], 'started', ARGV[8])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  if ARGV[5] ~= '' then
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 600)
    if redis.call('ZCARD', KEYS[4]) < tonumber(ARGV[10]) then
      redis.call('ZADD', KEYS[4], now, ARGV[4])
      redis.call('EXPIRE', KEYS[4], 1200)
    else
      redis.call('HSET', KEYS[1], 'limited', 1)
    end
  end
  if ARGV[9] ~= '' then
    redis.call('RPUSH', KEYS[6], ARGV[9])
    redis.call('EXPIRE', KEYS[6], ARGV[2])
  end
end
local blocked = 0
if ARGV[5] ~= '' then blocked = redis.call('SISMEMBER', KEYS[5], ARGV[5]) end
return {ref, blocked, redis.call('HGETALL', KEYS[1])}
