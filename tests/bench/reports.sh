#!/usr/bin/env bash
# The SKDN report of a kabupaten for one month, against the release build:
# the 40,000-child demo (800 posyandu, a year of weighings) is loaded, then
# GET /api/v1/reports/skdn?area=51.08 (rows by kecamatan) and the same by
# posyandu (800 rows) are each asked RUNS times by one client, one after
# another. Prints min, median, p90 and max of the wall time per request as
# curl measures it (connection, query, JSON and transfer).
#
#   bash tests/bench/reports.sh                     # SQLite (all-in-one)
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bash tests/bench/reports.sh
#
# Target: <= 200 ms for the kabupaten's month on both databases.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHILDREN_N=${CHILDREN_N:-40000}
RUNS=${RUNS:-30}
PORT=${PORT:-18083}
cargo build --release --locked -q
bin=$PWD/target/release/posyandu
data=$(mktemp -d)
db_name=""
cleanup() {
  kill "${server:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "$db_name" ]; then psql "$BENCH_POSTGRES" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null; fi
  rm -rf "$data"
}
trap cleanup EXIT
export RUST_LOG=warn POSYANDU_DATA_DIR="$data" POSYANDU_REMINDER_INTERVAL_MINUTES=0

if [ -n "${BENCH_POSTGRES:-}" ]; then
  db_name="posyandu_bench_$$"
  psql "$BENCH_POSTGRES" -qc "CREATE DATABASE $db_name"
  export DATABASE_URL="${BENCH_POSTGRES%/*}/$db_name"
  export POSYANDU_JWT_SECRET=$(head -c 48 /dev/urandom | base64)
  "$bin" migrate up >/dev/null
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" | head -1
  "$bin" serve --listen "127.0.0.1:$PORT" &
  server=$!
else
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" | head -1
  "$bin" --listen "127.0.0.1:$PORT" > /dev/null &
  server=$!
fi
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d grant_type=password -d username=dinkes.buleleng -d password=bench-password-1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Last month: a complete month of weighings.
month=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)
echo "database: ${DATABASE_URL:-sqlite}; SKDN of Kabupaten Buleleng for $month"

measure() {
  local label=$1 url=$2
  curl -sf -H "Authorization: Bearer $token" "$url" > "$data/last.json"
  python3 - "$data/last.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["total"]["counts"]
print(f"  rows {len(r['rows'])}; S {t['s']} K {t['k']} D {t['d']} N {t['n']}")
PY
  for _ in $(seq "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
  done | sort -n | python3 -c "
import sys
xs = [float(x) * 1000 for x in sys.stdin]
n = len(xs)
print(f'  $label: min {xs[0]:.0f} ms, median {xs[n//2]:.0f} ms, p90 {xs[int(n*0.9)]:.0f} ms, max {xs[-1]:.0f} ms ({n} runs)')"
}
measure "by kecamatan" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08"
measure "by posyandu" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08&by=posyandu"
measure "by posyandu, xlsx" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08&by=posyandu&format=xlsx" || true
