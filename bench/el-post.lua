-- wrk script: POST one eth_blockNumber JSON-RPC call (what every contender of bench/http.ts is sent).
-- The API key is for "Vixy + hook" (bench/hooked-vixy.ts); the others ignore it.
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "bench-api-key-0123456789"
