#!/usr/bin/env bash
# The whole test suite (`npm test`): type check, lint, formatting, unit and integration tests
# (SQLite and PostgreSQL), the frontend build, and the end-to-end suite in real Chromium.
# Every stage runs; the summary at the end lists what failed.
set -uo pipefail
COMET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export COMET_ROOT
# shellcheck source=scripts/toolchain.sh
source "$COMET_ROOT/scripts/toolchain.sh"
cd "$COMET_ROOT"

comet_setup

# PostgreSQL for the store tests and the production boot test. Backstage's TestDatabases uses
# it through this variable; without Docker it must not try to start containers.
export COMET_TEST_POSTGRES_URL="${COMET_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-${COMET_TEST_POSTGRES_URL%/*}}"
if ! "$COMET_NODE" -e "
  const u = new URL(process.argv[1]);
  const s = require('net').connect(Number(u.port || 5432), u.hostname);
  s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));
" "$COMET_TEST_POSTGRES_URL"; then
  comet_die "PostgreSQL is not reachable at $COMET_TEST_POSTGRES_URL; start one (see README \"Running the tests\") or set COMET_TEST_POSTGRES_URL"
fi
if [[ ! -x "${COMET_CHROMIUM:-/usr/bin/chromium}" ]]; then
  comet_die "Chromium is not installed at ${COMET_CHROMIUM:-/usr/bin/chromium}; install it (Debian/Ubuntu: apt-get install chromium) or set COMET_CHROMIUM"
fi

passed=()
failed=()
stage() {
  local name="$1"
  shift
  comet_log "── $name"
  local start=$SECONDS
  if "$@"; then
    passed+=("$name")
    comet_log "── $name passed in $((SECONDS - start)) s"
  else
    failed+=("$name")
    comet_log "── $name FAILED after $((SECONDS - start)) s"
  fi
}

export CI="${CI:-true}"
stage "type check (yarn tsc)" yarn tsc
stage "lint (yarn lint:all)" yarn lint:all
stage "frontend plugins depend on no other frontend plugin" "$COMET_NODE" scripts/check-frontend-deps.mjs
stage "formatting (yarn prettier:check)" yarn prettier:check
# The boot smoke tests serve the built frontend, so it is built first.
stage "frontend build" bash scripts/comet.sh build-app
stage "start-up bundle (pipelines pages stay lazy)" "$COMET_NODE" scripts/check-startup-bundle.mjs
stage "unit and integration tests (yarn test:all)" yarn test:all
stage "end-to-end tests in Chromium (yarn test:e2e)" yarn test:e2e

echo
for name in "${passed[@]}"; do echo "  passed: $name"; done
for name in "${failed[@]}"; do echo "  FAILED: $name"; done
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
