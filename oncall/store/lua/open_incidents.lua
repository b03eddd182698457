-- open_incidents (include, see scripts.py): walk a vendor's open incidents, newest first.
-- The incident ids come from a sorted set, so the caller cannot know their keys before the
-- script runs; it declares the ids it expects (and their keys in KEYS). When the walk reaches
-- an id that was not declared, it stops and answers the ids of the window instead: the
-- caller declares them and runs the script again. The decision is taken only in a run that
-- saw every incident it looked at, so it is as atomic as one script; the price is a second
-- round trip the first time a new incident appears in the window.

-- Where each declared id's keys start in KEYS: ids[i]'s first key is KEYS[first + (i-1)*per].
local function declared(ids, first, per)
  local at = {}
  for i, id in ipairs(ids) do at[id] = first + (i - 1) * per end
  return at
end

-- Incidents in sorted set `index` with a call since `since`, newest first: pick(id, k, f)
-- for each that is not resolved, with k its first KEYS index and f its {state, rank}, until
-- pick answers. Returns pick's answer, or false for none, or nil and the window's ids when
-- an id was not declared.
local function first_open(index, since, at, pick)
  local ids = redis.call('ZREVRANGEBYSCORE', index, '+inf', since)
  for _, id in ipairs(ids) do
    local k = at[id]
    if not k then return nil, ids end
    local f = redis.call('HMGET', KEYS[k], 'state', 'rank')
    if f[1] and f[1] ~= 'resolved' then
      local answer = pick(id, k, f)
      if answer then return answer end
    end
  end
  return false
end
