-- wrk script: every request is a different pre-signed Twilio text (its own MessageSid), so the
-- service does the whole work each time instead of answering from its replay cache.
--   TP_BODIES=file TP_THREADS=2 wrk -t2 -c16 -d20s -s wrk_unique.lua --latency URL
-- The file holds one "signature<TAB>form body" line per request, signed for URL. Thread k of n
-- takes lines k, k+n, k+2n, ...; a thread that runs out starts over and counts the wrap (a wrap
-- means replays: make the file bigger).
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("TP_BODIES")
  local count = tonumber(os.getenv("TP_THREADS") or "1")
  if path == nil then error("set TP_BODIES") end
  requests_list = {}
  local i = 0
  for line in io.lines(path) do
    if i % count == tid then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      requests_list[#requests_list + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
    end
    i = i + 1
  end
  position = 0
  wraps = 0
end

function request()
  position = position + 1
  if position > #requests_list then
    position = 1
    wraps = wraps + 1
  end
  return requests_list[position]
end

function done(summary, latency, requests)
  local wrapped = 0
  for _, thread in ipairs(threads) do
    wrapped = wrapped + (thread:get("wraps") or 0)
  end
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d wraps=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, wrapped))
end
