#!/usr/bin/env bash
# The HTTP API fuzzed from its own OpenAPI document by schemathesis (PyPI),
# against the release build on SQLite with a small demo kabupaten: every
# operation, EXAMPLES cases each (default 100) in the examples, coverage
# and fuzzing phases, as an administrator of the whole country.
#
#   bash tests/harness/schemathesis.sh                  # CI form
#   EXAMPLES=1000 bash tests/harness/schemathesis.sh    # longer
#   SEED=1234 bash tests/harness/schemathesis.sh        # replay a run
#
# Checks: no 5xx, every status, content type, header and body as the
# document says, schema-violating requests refused (negative data), 405 for
# undocumented methods, required headers, auth not ignored. Not checked:
# `positive_data_acceptance` (that every schema-valid request is accepted):
# the domain refuses schema-valid data on purpose (a NIK that disagrees with
# the birth date, a weighing in the future), with a 422 naming the field;
# and on one operation one check that schemathesis gets wrong (real_ids.py,
# which writes the configuration, says which and why).
# Fails too when the server logged a panic or is no longer running.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
BIN=${BIN:-$root/target/release/posyandu}
EXAMPLES=${EXAMPLES:-100}
SEED=${SEED:-$RANDOM$RANDOM}
VENV=${HARNESS_VENV:-$root/target/harness-venv}
VERSION=4.32.5
PASSWORD=fuzz-password-123

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
fi
[ -x "$BIN" ] || { echo "$BIN missing: cargo build --release --locked"; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$BIN" demo --password "$PASSWORD" --children 300 > demo.txt
echo "$PASSWORD" | "$BIN" admin create-user --username fuzz.admin --role admin --area ID \
  --password-stdin > /dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
POSYANDU_ACCESS_TOKEN_MINUTES=120 RUST_LOG=warn RUST_BACKTRACE=1 \
  "$BIN" --listen "127.0.0.1:$port" > server.log 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/readyz" > /dev/null && break; sleep 0.1; done
token=$(curl -fs "$base/api/v1/auth/token" -d grant_type=password -d username=fuzz.admin \
  -d "password=$PASSWORD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# Pin real IDs into the path of every operation on a record, so the fuzzer
# gets past the 404 into the handler (tests/harness/real_ids.py says why).
# The file also selects the checks: all but positive_data_acceptance.
python3 "$root/tests/harness/real_ids.py" "$root/openapi/openapi.json" "$base" "$token" \
  > "$work/schemathesis.toml"

echo "schemathesis $VERSION: $EXAMPLES examples per operation, seed $SEED, against $base"
status=0
"$VENV/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$root/openapi/openapi.json" --url "$base" \
  -H "Authorization: Bearer $token" \
  --max-examples "$EXAMPLES" --seed "$SEED" --workers 2 \
  --phases examples,coverage,fuzzing \
  --report junit --report-dir "$work/report" \
  --no-color > schemathesis.txt 2>&1 || status=$?
sed -n '/= SUMMARY =/,$p' schemathesis.txt
if [ "$status" -ne 0 ]; then
  sed -n '/= FAILURES =/,/= SUMMARY =/p' schemathesis.txt | head -200
fi
if grep -q "panicked" server.log; then
  echo "the server panicked:"; grep -A5 "panicked" server.log | head -40; status=1
fi
if ! kill -0 "$server" 2>/dev/null; then
  echo "the server is no longer running:"; tail -20 server.log; status=1
fi
requests=$(grep -c 'testcase ' report/junit*.xml 2>/dev/null || echo 0)
echo "operations in the JUnit report: $requests"
exit "$status"
