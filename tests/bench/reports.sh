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
# Then the other reports of the kabupaten for the same month, and the
# lokakarya mini pack of the demo's first puskesmas for the quarter holding
# that month, each RUNS times.
#
# A province: CHILDREN_N=400000 KABUPATEN=10 (Buleleng and nine more, each
# like it) also times the SKDN of Bali by kabupaten, asked by admin.bali.
#
# Target: <= 200 ms for the kabupaten's month on both databases.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-30}
PORT=${PORT:-18083}
# shellcheck source=tests/bench/demo_server.sh
source tests/bench/demo_server.sh
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d grant_type=password -d username=dinkes.buleleng -d password=bench-password-1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Last month: a complete month of weighings.
month=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)
echo "database: ${DATABASE_URL:-sqlite}; SKDN of Kabupaten Buleleng for $month"

measure() {
  local label=$1 url=$2
  # The counts once, from the JSON answer (not from a download).
  if [[ $url == */reports/skdn\?* && $url != *format=* ]]; then
  curl -sf -H "Authorization: Bearer $token" "$url" > "$data/last.json"
  python3 - "$data/last.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["total"]["counts"]
print(f"  rows {len(r['rows'])}; S {t['s']} K {t['k']} D {t['d']} N {t['n']}")
PY
  fi
  for _ in $(seq "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
  done | sort -n | python3 -c "
import sys
xs = [float(x) * 1000 for x in sys.stdin]
n = len(xs)
print(f'  $label: min {xs[0]:.0f} ms, median {xs[n//2]:.0f} ms, p90 {xs[int(n*0.9)]:.0f} ms, max {xs[-1]:.0f} ms ({n} runs)')"
}
if [ "$KABUPATEN" -gt 1 ]; then
  kabupaten_token=$token
  token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
    -d grant_type=password -d username=admin.bali -d password=bench-password-1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  measure "province (Bali) by kabupaten" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51"
  token=$kabupaten_token
fi
measure "by kecamatan" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08"
measure "by posyandu" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08&by=posyandu"
measure "by posyandu, xlsx" "http://127.0.0.1:$PORT/api/v1/reports/skdn?month=$month&area=51.08&by=posyandu&format=xlsx"
for report in nutrition maternal immunisation population institution; do
  measure "$report by kecamatan" "http://127.0.0.1:$PORT/api/v1/reports/$report?month=$month&area=51.08"
done
puskesmas=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/puskesmas?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
quarter="${month%-*}-Q$(( (10#${month#*-} - 1) / 3 + 1 ))"
measure "lokmin pack $quarter" "http://127.0.0.1:$PORT/api/v1/puskesmas/$puskesmas/lokmin/$quarter"
