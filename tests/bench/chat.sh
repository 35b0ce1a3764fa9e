#!/usr/bin/env bash
# The chat bot under load, end to end, against the release build: signed
# WhatsApp webhooks with TIMBANG reports from 1,000 kader (two per
# posyandu, on demo data of 40,000 children), each reply caught by a
# WhatsApp stand-in in the generator (tests/src/bin/chat_load.rs). Closed
# loop: each kader sends the next message once the reply to the last one
# has arrived. Reports messages fully processed per second (weighing
# stored, reply at the stand-in), latency from webhook to reply (p50, p90,
# p99, max), webhook response time, API requests per message, CPU per
# message and peak RSS.
#
#   bash tests/bench/chat.sh                   # SQLite (all-in-one), then PostgreSQL
#   MODES=sqlite bash tests/bench/chat.sh      # one mode only
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bash tests/bench/chat.sh
#   RATE=500 bash tests/bench/chat.sh          # open loop at 500 messages/s instead
#
# Durability: SQLite in WAL mode with synchronous=NORMAL (a commit is durable
# once the WAL is checkpointed; a power cut can lose the last transactions
# but never corrupts the file); PostgreSQL with its defaults
# (synchronous_commit=on, fsync on every commit). Target: >= 500 messages/s
# and p99 < 2 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODES=${MODES:-"sqlite postgres"}
KADER=${KADER:-1000}
MESSAGES=${MESSAGES:-10}
CHILDREN_N=${CHILDREN_N:-40000}
BENCH_POSTGRES=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --locked -q
cargo build --release --locked -q -p posyandu-tests --bin chat_load
extra=()
if [ -n "${RATE:-}" ]; then extra+=(--rate "$RATE"); fi
for mode in $MODES; do
  case $mode in
    sqlite) target=(--mode sqlite) ;;
    postgres)
      if command -v pg_isready >/dev/null && ! pg_isready -q -d "$BENCH_POSTGRES"; then
        echo "PostgreSQL is not reachable at $BENCH_POSTGRES"; exit 1
      fi
      target=(--postgres "$BENCH_POSTGRES") ;;
    *) echo "unknown mode $mode (sqlite or postgres)"; exit 1 ;;
  esac
  echo "--- $mode"
  target/release/chat_load "${target[@]}" --bin target/release/posyandu \
    --children "$CHILDREN_N" --kader "$KADER" --messages-per-kader "$MESSAGES" \
    ${extra[@]+"${extra[@]}"}
done
