#!/usr/bin/env bash
# The bot's outbox dispatch under load, against the release build on
# PostgreSQL: MESSAGES WhatsApp reminders (one per recipient) queued
# straight into a fresh database's outbox, then `posyandu serve` and W
# `posyandu bot --api` workers started at once to send them to a Graph API
# stand-in in the generator (tests/src/bin/dispatch_load.rs). Reports sends
# per second (first to last arrival, and from the bots' start), duplicates,
# the time until the database shows every message sent, sends in every
# second, CPU per 1,000 messages of the API, the bots and PostgreSQL, peak
# RSS and API requests per 1,000 messages.
#
# Runs, in order:
#   1. each worker count of WORKERS_LIST (default "1 4"), unlimited
#      (POSYANDU_WHATSAPP_RATE_PER_SECOND=0), MESSAGES reminders;
#   2. 4 workers at RATE_LIMIT messages/s per channel (default 80) with
#      RATE_LIMIT × 30 reminders (≈ 30 s); fails if any sliding 1-second
#      window at the stand-in holds more than RATE_LIMIT sends.
#
#   bash tests/bench/dispatch.sh
#   MESSAGES=50000 WORKERS_LIST="1 2 4 8" bash tests/bench/dispatch.sh
#   RATE_LIMIT=20 bash tests/bench/dispatch.sh
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bash tests/bench/dispatch.sh
#
# PostgreSQL with its defaults (synchronous_commit=on, fsync on every
# commit). Each run gets its own database, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
MESSAGES=${MESSAGES:-20000}
WORKERS_LIST=${WORKERS_LIST:-"1 4"}
RATE_LIMIT=${RATE_LIMIT:-80}
BENCH_POSTGRES=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --locked -q
cargo build --release --locked -q -p posyandu-tests --bin dispatch_load
if command -v pg_isready >/dev/null && ! pg_isready -q -d "$BENCH_POSTGRES"; then
  echo "PostgreSQL is not reachable at $BENCH_POSTGRES"; exit 1
fi
run() {
  target/release/dispatch_load --postgres "$BENCH_POSTGRES" --bin target/release/posyandu "$@"
}
for workers in $WORKERS_LIST; do
  echo "--- $workers worker(s), unlimited, $MESSAGES messages"
  run --workers "$workers" --messages "$MESSAGES"
done
# 30 seconds' worth at the limit: long enough for many windows to be checked.
limited=$(awk -v r="$RATE_LIMIT" 'BEGIN { printf "%d", r * 30 }')
echo "--- 4 workers, rate limit $RATE_LIMIT/s, $limited messages"
run --workers 4 --messages "$limited" --rate-limit "$RATE_LIMIT"
