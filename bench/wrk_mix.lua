-- wrk script for the load test: each request is drawn at random from the
-- file named by BENCH_REQUESTS (one request a line: method, path, cookie,
-- CSRF token, urlencoded body, extra headers as "Name: value" separated by
-- "|"; tab-separated). Counts responses by status.
local pool = {}
local threads = {}
local counter = 0
statuses = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, target, cookie, csrf, body, extra =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    for name, value in string.gmatch(extra, "([^|:]+):%s*([^|]*)") do
      headers[name] = value
    end
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      headers["X-CSRFToken"] = csrf
    else
      body = nil
    end
    table.insert(pool, wrk.format(method, target, headers, body))
  end
  math.randomseed(id * 7919)
end

function request()
  return pool[math.random(#pool)]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "timeouts": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.timeout, summary.errors.connect, summary.errors.read,
    table.concat(parts, ", ")))
end
