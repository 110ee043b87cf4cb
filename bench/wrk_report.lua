-- wrk script for one page: sends the request described by the BENCH_*
-- environment variables and prints the figures as one JSON line.
--
-- BENCH_BODIES names a file of POST bodies, one a line: each thread takes its
-- own lines in turn (every BENCH_THREADS-th from its id), so no two requests
-- send the same body (each booking its own slot). BENCH_HEADERS adds headers ("Name: value" lines separated by
-- "|"). With BENCH_CHAIN_VERSION set, the version a response carries
-- (name="version" value="N") goes into the next body, as the note editor does.
local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE") or ""
local chain = (os.getenv("BENCH_CHAIN_VERSION") or "") ~= ""
local threads = {}
local counter = 0

wrk.method = method
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^|:]+):%s*([^|]*)") do
  wrk.headers[name] = value
end
if method == "POST" then
  wrk.body = os.getenv("BENCH_BODY") or ""
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF") or ""
end

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  thread:set("stride", 0)
  table.insert(threads, thread)
  for _, t in ipairs(threads) do
    t:set("stride", counter)
  end
end

local bodies = {}
local next_line = 1
local version = nil

function init(args)
  local path = os.getenv("BENCH_BODIES") or ""
  if path ~= "" then
    for line in io.lines(path) do
      table.insert(bodies, line)
    end
  end
  next_line = id or 1
  -- wrk starts each thread before it calls setup() for the next, so the stride
  -- setup() counts reaches the first thread too late: it took every line and
  -- sent half of them again after the second thread (an online booking POST
  -- sent twice: "anyone" then takes a colleague, whose own slot is then gone).
  stride = tonumber(os.getenv("BENCH_THREADS") or "") or stride
end

function request()
  if #bodies == 0 then
    return wrk.request()
  end
  local body = bodies[((next_line - 1) % #bodies) + 1]
  next_line = next_line + (stride ~= 0 and stride or 1)
  if version then
    body = string.gsub(body, "version=%d+", "version=" .. version)
  end
  return wrk.format(nil, nil, nil, body)
end

if chain then
  function response(status, headers, body)
    local found = string.match(body or "", 'name="version" value="(%d+)"')
    if found then
      version = found
    end
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "non_2xx_3xx": %d, "timeouts": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.timeout, summary.errors.connect,
    summary.errors.read, summary.errors.write))
end
