-- policy_save: a vendor's next policy version, only if `base` is still its current version
-- (optimistic concurrency: two writers on the same base, exactly one wins) and no other
-- vendor claims one of its inbound numbers. Counts the save in the global generation (the
-- caller then publishes it: a channel is not a key).
-- KEYS[1] current: hash vendor -> current version number
-- KEYS[2] versions: the vendor's hash version number -> version JSON
-- KEYS[3] generation: the global counter of policy saves
-- KEYS[4] inbound: hash inbound number -> the vendor claiming it
-- KEYS[5] document: the vendor's current document as JSON
-- ARGV[1] vendor: the vendor id
-- ARGV[2] base: the version the writer read, or '' when the vendor must not exist yet
-- ARGV[3] version: JSON of the new version (text, author, at, summary, changes)
-- ARGV[4] numbers: JSON list of the inbound numbers the new version claims
-- ARGV[5] parsed: the new version's document as JSON
-- ARGV[6] first: where a new generation counter starts (the save's time in microseconds:
--         a store that lost its data never repeats a generation a process has seen)
-- Returns {'ok', version, generation}, {'conflict', current version or 0} or
-- {'claimed', number, owner}; nothing is written unless 'ok'.

local vendor = ARGV[1]
local current = tonumber(redis.call('HGET', KEYS[1], vendor) or '0')
local base = ARGV[2] == '' and 0 or tonumber(ARGV[2])
if base ~= current then return {'conflict', current} end
local numbers = cjson.decode(ARGV[4])
for _, number in ipairs(numbers) do
  local owner = redis.call('HGET', KEYS[4], number)
  if owner and owner ~= vendor then return {'claimed', number, owner} end
end
local owned = redis.call('HGETALL', KEYS[4])
for i = 1, #owned, 2 do
  if owned[i + 1] == vendor then redis.call('HDEL', KEYS[4], owned[i]) end
end
for _, number in ipairs(numbers) do redis.call('HSET', KEYS[4], number, vendor) end
local number = current + 1
redis.call('HSET', KEYS[2], number, ARGV[3])
redis.call('HSET', KEYS[1], vendor, number)
redis.call('SET', KEYS[5], ARGV[5])
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], ARGV[6]) end
local generation = redis.call('INCR', KEYS[3])
return {'ok', number, generation}
