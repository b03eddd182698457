-- call_save: a step's results in one round trip. Fields are idempotent; an event with a
-- once-key is appended only the first time (Twilio retries webhooks). With a follow-up SMS,
-- it is counted against the caller's daily and the global hourly cap once per call, however
-- often the webhook is retried, and the answer says whether it may be sent.
-- KEYS[1] call: the call hash
-- KEYS[2] events: the call's event list
-- KEYS[3] sms_once: whether this call took its follow-up SMS, or '' (no SMS)
-- KEYS[4] caller_day: follow-up SMS sent to the caller today, or ''
-- KEYS[5] hour: follow-up SMS sent to everyone this hour, or ''
-- KEYS[6...] marks: the once-key of each event that has one, in order, then the screening
--   acceptance flags to set
-- ARGV[1] ttl: seconds call records are kept
-- ARGV[2] fields: JSON object of strings to set on the call hash
-- ARGV[3] logged: JSON list of [event (JSON text), has a once-key (true/false)]
-- ARGV[4] per_caller: follow-up SMS per caller per day ('' without SMS)
-- ARGV[5] per_hour: follow-up SMS to everyone per hour
-- ARGV[6] allowed: the event logged when the SMS may be sent (JSON text)
-- ARGV[7] refused: ... and when a cap is reached
-- Returns 1 when the follow-up SMS may be sent, else 0.

local ttl, mark = tonumber(ARGV[1]), 6
local flat = {}
for name, value in pairs(cjson.decode(ARGV[2])) do
  flat[#flat + 1] = name
  flat[#flat + 1] = value
end
if #flat > 0 then
  redis.call('HSET', KEYS[1], unpack(flat))
  redis.call('EXPIRE', KEYS[1], ttl)
end
local logged = false
for _, e in ipairs(cjson.decode(ARGV[3])) do
  local fresh = true
  if e[2] then
    fresh = redis.call('SET', KEYS[mark], 1, 'NX', 'EX', 604800)
    mark = mark + 1
  end
  if fresh then redis.call('RPUSH', KEYS[2], e[1]) end
  logged = true
end
for i = mark, #KEYS do
  redis.call('SET', KEYS[i], 1, 'NX', 'EX', 86400)
end
local sms = 0
if KEYS[3] ~= '' then
  local taken = redis.call('GET', KEYS[3])
  if taken then
    sms = tonumber(taken)
  else
    local mine = redis.call('INCR', KEYS[4])
    redis.call('EXPIRE', KEYS[4], 172800)
    local everyone = redis.call('INCR', KEYS[5])
    redis.call('EXPIRE', KEYS[5], 7200)
    if mine <= tonumber(ARGV[4]) and everyone <= tonumber(ARGV[5]) then sms = 1 end
    redis.call('SET', KEYS[3], sms, 'EX', 604800)
    redis.call('RPUSH', KEYS[2], sms == 1 and ARGV[6] or ARGV[7])
    logged = true
  end
end
if logged then redis.call('EXPIRE', KEYS[2], ttl) end
return sms
