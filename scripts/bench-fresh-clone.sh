#!/usr/bin/env bash
# Fresh clone to ready portal, whole: clones this repository into a temporary folder and runs
# `npm start` there, with an empty Yarn cache and no .toolchain/ (so Node, Yarn and every
# package are downloaded, better-sqlite3 compiled and the frontend built), until "Comet is
# ready". Prints the time of each phase as the start script logs it.
#
#   yarn bench:fresh-clone            (set COMET_BENCH_KEEP_CACHE=1 to keep Yarn's global cache)
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/comet-fresh-XXXXXX)"
port=7307
# npm start execs the backend, so stop everything started from the clone, not only npm
trap 'pkill -INT -f "$work/comet" 2>/dev/null || true; sleep 3; pkill -KILL -f "$work/comet" 2>/dev/null || true; rm -rf "$work"' EXIT

git clone --quiet "$src" "$work/comet"
cat >"$work/comet/app-config.local.yaml" <<YAML
app:
  baseUrl: http://localhost:$port
backend:
  baseUrl: http://localhost:$port
  listen:
    port: $port
YAML
if [[ -z "${COMET_BENCH_KEEP_CACHE:-}" ]]; then
  export YARN_CACHE_FOLDER="$work/yarn-cache"
  export YARN_ENABLE_GLOBAL_CACHE=false
fi
# As on a machine that has only Node 20 and npm: hide any Node 22/24 and Yarn from PATH.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

start=$SECONDS
(cd "$work/comet" && npm start) >"$work/start.log" 2>&1 &
while ! grep -q "Comet is ready" "$work/start.log" 2>/dev/null; do
  if ! kill -0 $! 2>/dev/null; then
    tail -40 "$work/start.log"
    echo "npm start exited before the portal was ready" >&2
    exit 1
  fi
  if ((SECONDS - start > 1800)); then
    echo "not ready after 30 minutes" >&2
    exit 1
  fi
  sleep 1
done
total=$((SECONDS - start))
echo
echo "| measure | result | goal |"
echo "|---|---|---|"
echo "| fresh clone to ready portal (\`npm start\`), $([[ -z "${COMET_BENCH_KEEP_CACHE:-}" ]] && echo 'empty Yarn cache' || echo 'warm Yarn cache') | $((total / 60)) min $((total % 60)) s | < 10 min |"
