-- call_claim_ring: claim the ring of an incident for a call. The first call to claim it is
-- put through to the engineer; a retried webhook of that call claims it again.
-- KEYS[1] ring: the incident's ring marker
-- ARGV[1] call: the call's sid
-- ARGV[2] ttl: seconds the marker is kept
-- Returns 1 when this call holds the ring, else 0.

local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return 1 end
return 0
