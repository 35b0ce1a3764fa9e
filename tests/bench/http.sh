#!/usr/bin/env bash
# HTTP throughput of the release build: time to ready on an empty folder,
# then requests/s of GET /healthz and of an authenticated GET /api/v1/me,
# with wrk (Debian package `wrk`) from a second process.
#
#   bash tests/bench/http.sh            # 20 s per run, 64 connections
#   DURATION=60s CONNECTIONS=128 bash tests/bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }

cargo build --release --locked -q
bin=$PWD/target/release/posyandu
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"' EXIT

# Time from launch to ready on an empty folder (creates and migrates the database).
start=$(date +%s%N)
RUST_LOG=warn "$bin" --listen "127.0.0.1:$PORT" --data-dir "$data" > "$data/out.txt" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.01; done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "ready on an empty folder after ${ready_ms} ms"

RUST_LOG=warn "$bin" --data-dir "$data" demo --password bench-password-1 >/dev/null
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d grant_type=password -d username=dinkes.buleleng -d password=bench-password-1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

echo
echo "GET /healthz"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
echo
echo "GET /api/v1/me (authenticated)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$PORT/api/v1/me" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
