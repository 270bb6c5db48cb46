-- wrk script of the OCSP benchmark (bench/ocsp_bench.sh).
--   OCSP_REQUESTS=requests.bin  POST the DER requests of that file (each prefixed by its length, 2
--                               bytes big-endian, as ocsp_bench_setup writes them) round-robin to
--                               OCSP_PATH (default /ocsp). Unset: wrk's own GET of the URL (nginx).
--   OCSP_CLOSE=1                every request asks for Connection: close (a new connection each).
-- done() prints one line in ocsp_load's format, plus the mean answer size: an `unauthorized` or
-- error answer is 5 bytes of body, so the script can tell them from signed answers.
local file = os.getenv("OCSP_REQUESTS")
local path = os.getenv("OCSP_PATH") or "/ocsp"
local close = os.getenv("OCSP_CLOSE") == "1"

if close then
  wrk.headers["Connection"] = "close"
end

if file then
  local reqs, n, i = {}, 0, 0

  function init(args)
    local f = assert(io.open(file, "rb"))
    local all = f:read("*a")
    f:close()
    local off = 1
    while off + 1 <= #all do
      local len = all:byte(off) * 256 + all:byte(off + 1)
      local headers = { ["Content-Type"] = "application/ocsp-request" }
      if close then headers["Connection"] = "close" end
      n = n + 1
      reqs[n] = wrk.format("POST", path, headers, all:sub(off + 2, off + 1 + len))
      off = off + 2 + len
    end
    assert(n > 0, "no requests in " .. file)
    i = math.random(n) - 1  -- threads start at different certificates
  end

  function request()
    i = i % n + 1
    return reqs[i]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local answers = summary.requests
  io.write(string.format("rps=%.0f p50_us=%d p99_us=%d answers=%d errors=%d bytes_per_answer=%.0f\n",
    answers / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), answers, errors,
    answers > 0 and summary.bytes / answers or 0))
end
