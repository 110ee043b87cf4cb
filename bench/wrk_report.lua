-- wrk script for one page: sends the request described by the BENCH_*
-- environment variables and prints the figures as one JSON line.
--
-- BENCH_BODIES names a file of POST bodies, one a line: each thread takes its
-- own lines in turn (every BENCH_THREADS-th from its id), so no two requests
-- send the same body (each booking its own slot). BENCH_HEADERS adds headers ("Name: value" lines separated by
-- "|"). With BENCH_CHAIN_VERSION set, the version a response carries
-- (name="version" value="N") goes into the next body, as the note editor does.
-- A POST's answers of 400 and above are counted by status, each with the
-- message of the first one (its alert, field error or title), so a run says
-- what its bad answers were.
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

bad = {}
bad_sample = {}

-- The first alert, form error or title of a page, as plain JSON-safe text.
local function message_of(body)
  local found = string.match(body, 'class="alert[^"]*"[^>]*>(.-)</div>')
    or string.match(body, 'class="invalid%-feedback[^"]*"[^>]*>(.-)</div>')
    or string.match(body, 'class="errorlist[^"]*"[^>]*>(.-)</ul>')
    or string.match(body, "<title>(.-)</title>")
    or body
  found = string.gsub(found, "<[^>]*>", " ")
  found = string.gsub(found, "[^%w%s%.,:;!%?%(%)'%-]", "")
  found = string.gsub(found, "%s+", " ")
  return string.sub(found, 1, 160)
end

local function count_bad(status, body)
  if status < 400 then
    return
  end
  local key = tostring(status)
  bad[key] = (bad[key] or 0) + 1
  if not bad_sample[key] then
    bad_sample[key] = message_of(body or "")
  end
end

if chain or method == "POST" then
  function response(status, headers, body)
    count_bad(status, body)
    if chain then
      local found = string.match(body or "", 'name="version" value="(%d+)"')
      if found then
        version = found
      end
    end
  end
end

function done(summary, latency, requests)
  local counts, samples = {}, {}
  for _, thread in ipairs(threads) do
    local sample = thread:get("bad_sample") or {}
    for key, n in pairs(thread:get("bad") or {}) do
      counts[key] = (counts[key] or 0) + n
      samples[key] = samples[key] or sample[key] or ""
    end
  end
  local parts = {}
  for key, n in pairs(counts) do
    table.insert(parts, string.format('"%s": {"count": %d, "sample": "%s"}', key, n, samples[key]))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "non_2xx_3xx": %d, "timeouts": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "bad": {%s}}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.timeout, summary.errors.connect,
    summary.errors.read, summary.errors.write, table.concat(parts, ", ")))
end
