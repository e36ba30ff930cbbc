-- wrk script: POST one JSON-RPC call, eth_blockNumber unless BENCH_BODY holds another
-- (bench/cache.ts); what every contender of a round is sent.
-- The API key is for "Vixy + hook" (bench/hooked-vixy.ts); the others ignore it.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "bench-api-key-0123456789"
