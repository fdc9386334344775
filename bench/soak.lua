-- Mixed reads and writes for bench/soak.py:  wrk -s bench/soak.lua URL -- KEY WRITE_SHARE MAX_PER_THREAD
-- Reads cycle through the views and the needs list; writes identify needs. Each thread stops
-- after MAX_PER_THREAD answers (the run is bounded in count as well as in time). done() prints
-- one line "SOAK {json}" with the answers by status class and the latency percentiles.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

local reads = {
  "/v1/views/unmet-needs", "/v1/views/funding-gaps?group_by=region", "/v1/views/priority-areas",
  "/v1/views/provider-overlap", "/v1/views/programme-monitoring?state=KEN", "/v1/needs?limit=50",
  "/v1/views/unmet-needs?state=KEN", "/v1/views/funding-gaps?chapter=III", "/readyz",
}
local states = { "KEN", "GHA", "IDN", "BRA", "UKR", "VNM" }
local need = '{"state":"%s","article":%d,"ta_types":["legal-advice"],"description":"soak need %d-%d",'
  .. '"horizon":"current","priority":"medium","source":{"kind":"self-assessment","reference":"soak"},'
  .. '"estimated_cost":{"amount":"%d","currency":"USD","value_date":"2024-01-01"}}'

function init(args)
  headers = { ["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json" }
  share = tonumber(args[2])
  limit = tonumber(args[3])
  math.randomseed(id * 7919)
  sent, answered, writes = 0, 0, 0
  counts = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0 }
end

function request()
  sent = sent + 1
  if math.random() < share then
    writes = writes + 1
    local body = string.format(need, states[(sent % #states) + 1], 5 + (sent % 58), id, sent,
      1000 * (1 + sent % 500))
    return wrk.format("POST", "/v1/needs", headers, body)
  end
  return wrk.format("GET", reads[(sent % #reads) + 1], headers, nil)
end

function response(status, _, _)
  answered = answered + 1
  local class = "s" .. math.floor(status / 100) .. "xx"
  counts[class] = (counts[class] or 0) + 1
  if answered >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, _)
  local total = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0 }
  local writes_sent = 0
  for _, thread in ipairs(threads) do
    for class, n in pairs(thread:get("counts")) do
      total[class] = (total[class] or 0) + n
    end
    writes_sent = writes_sent + thread:get("writes")
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK {"requests":%d,"duration_us":%d,"writes_sent":%d,"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},'
    .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p99.9":%d,"max":%d,"mean":%d}}\n',
    summary.requests, summary.duration, writes_sent, total.s2xx, total.s3xx, total.s4xx, total.s5xx,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
