#!/usr/bin/env bash
# The reminder planner at scale: plan a month of posyandu days for the
# 40,000-child demo (800 posyandu, ~3,800 current pregnancies) against the
# release build, then plan the same month again (idempotent: nothing new).
# Prints each run's wall time and what it planned.
#
#   bash tests/bench/reminders.sh                     # SQLite (all-in-one)
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bash tests/bench/reminders.sh
#
# Target: a month for 40,000 children and 5,000 pregnancies in <= 10 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-18082}
# shellcheck source=tests/bench/demo_server.sh
source tests/bench/demo_server.sh
if [ -n "$db_name" ] && [ -n "${PG_LOG_STATEMENTS:-}" ]; then
  psql "$BENCH_POSTGRES" -qc "ALTER DATABASE $db_name SET log_min_duration_statement = 0"
  # New connections only: restart the server so its pool picks it up.
  kill "$server"; wait "$server" 2>/dev/null || true
  "$bin" serve --listen "127.0.0.1:$PORT" &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
fi
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d grant_type=password -d username=admin.buleleng -d password=bench-password-1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Next month, so every reminder is still ahead.
from=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m-%d)
echo "database: ${DATABASE_URL:-sqlite}; planning $from for 31 days"
for run in first again; do
  start=$(date +%s%N)
  result=$(curl -sf --max-time 600 "http://127.0.0.1:$PORT/api/v1/reminders/plan" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"from\": \"$from\", \"days\": 31}")
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "$run run: ${ms} ms  $result"
done
