-- GET /livez: the bare endpoint (no store, same middleware), the ceiling the other figures are set against.
request = function() return wrk.format("GET", "/livez") end
done = dofile(os.getenv("PARLEY_BENCH_DIR") .. "/report.lua")
