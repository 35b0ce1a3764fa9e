-- wrk script: POST today's weighing for each child once, spreading the
-- children over the threads. Reads child ids from the file in CHILDREN.
local ids = {}
for line in io.lines(os.getenv("CHILDREN")) do ids[#ids + 1] = line end
local token = os.getenv("TOKEN")
local threads = tonumber(os.getenv("THREADS") or "2")
local next_offset = 0
created = 0
local all_threads = {}

function setup(thread)
  table.insert(all_threads, thread)
  thread:set("offset", next_offset)
  next_offset = next_offset + 1
end

local counter = 0
function request()
  local i = offset + counter * threads
  counter = counter + 1
  local id = ids[(i % #ids) + 1]
  local weight = 8 + (i % 90) / 10
  local body = string.format('{"weight_kg": %.1f, "length_cm": %.1f, "position": "standing", "measured_by": "load test"}', weight, 80 + (i % 30))
  return wrk.format("POST", "/api/v1/children/" .. id .. "/weighings",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

s200, s201, s404, s409, s422, s503, other = 0, 0, 0, 0, 0, 0, 0
function response(status)
  if status == 200 then s200 = s200 + 1
  elseif status == 201 then s201 = s201 + 1
  elseif status == 404 then s404 = s404 + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status == 422 then s422 = s422 + 1
  elseif status == 503 then s503 = s503 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local names = { "s200", "s201", "s404", "s409", "s422", "s503", "other" }
  for _, name in ipairs(names) do
    local total = 0
    for _, thread in ipairs(all_threads) do total = total + (thread:get(name) or 0) end
    if total > 0 then io.write(string.format("status %s: %d\n", name, total)) end
    if name == "s201" then created = total end
  end
  -- Only 201s are new weighings; a 409 is a child already weighed today.
  io.write(string.format("status created/s: %.0f\n", created / (summary.duration / 1e6)))
end
