# Sourced by the benchmark scripts: builds the release binary, loads the
# demo (CHILDREN_N children, default 40,000, over KABUPATEN kabupaten,
# default 1) into SQLite or, with
# BENCH_POSTGRES, into a fresh PostgreSQL database, and starts the server on
# PORT. Sets `bin`, `data`, `server` and `db_name`; everything is removed on
# exit. The reminder planner's timer is off: benchmarks run it by hand.
CHILDREN_N=${CHILDREN_N:-40000}
KABUPATEN=${KABUPATEN:-1}
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
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" --kabupaten "$KABUPATEN" | head -1
  "$bin" serve --listen "127.0.0.1:$PORT" &
  server=$!
else
  "$bin" demo --password bench-password-1 --children "$CHILDREN_N" --kabupaten "$KABUPATEN" | head -1
  "$bin" --listen "127.0.0.1:$PORT" > /dev/null &
  server=$!
fi
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
