#!/usr/bin/env bash
# Load test of POST /api/v1/children/{id}/weighings against the release
# build, 64 concurrent connections, on demo data of 40,000 children with a
# year of weighings. Each child gets one weighing today (no repeats).
#
#   bash tests/bench/weighings.sh                     # SQLite (all-in-one)
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bash tests/bench/weighings.sh
#
# Durability: SQLite in WAL mode with synchronous=NORMAL (a commit is durable
# once the WAL is checkpointed; a power cut can lose the last transactions
# but never corrupts the file); PostgreSQL with its defaults
# (synchronous_commit=on, fsync on every commit).
set -euo pipefail
cd "$(dirname "$0")/../.."
CHILDREN_N=${CHILDREN_N:-40000}
# 10 s: at ~3,000/s every request is a child not yet weighed today.
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18081}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
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
export RUST_LOG=warn POSYANDU_DATA_DIR="$data"

if [ -n "${BENCH_POSTGRES:-}" ]; then
  db_name="posyandu_bench_$$"
  psql "$BENCH_POSTGRES" -qc "CREATE DATABASE $db_name"
  export DATABASE_URL="${BENCH_POSTGRES%/*}/$db_name"
  export POSYANDU_JWT_SECRET=$(head -c 48 /dev/urandom | base64)
  "$bin" migrate up >/dev/null
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" | head -1
  "$bin" serve --listen "127.0.0.1:$PORT" &
  server=$!
  psql "$DATABASE_URL" -Atc "select person_id from child" > "$data/children.txt"
else
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" | head -1
  "$bin" --listen "127.0.0.1:$PORT" > /dev/null &
  server=$!
  python3 -c "
import sqlite3, uuid
c = sqlite3.connect('$data/posyandu.db')
for (b,) in c.execute('select person_id from child'):
    print(uuid.UUID(bytes=b) if isinstance(b, bytes) else b)
" > "$data/children.txt"
fi
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d grant_type=password -d username=dinkes.buleleng -d password=bench-password-1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
echo "children: $(wc -l < "$data/children.txt"); database: ${DATABASE_URL:-sqlite}"
CHILDREN="$data/children.txt" TOKEN="$token" THREADS="$THREADS" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/bench/weighings.lua \
  "http://127.0.0.1:$PORT" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|requests in|status"
