#!/usr/bin/env bash
# Comet's entry point: `npm start` and `npm test` (see README "Quick start").
#   start [--config FILE ...]   start the portal: backend + built frontend on one port
#   test                        the whole test suite (what CI runs)
#   setup                       install the toolchain and dependencies only
#   build-app                   (re)build the frontend if its sources changed
set -euo pipefail
COMET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export COMET_ROOT
# shellcheck source=scripts/toolchain.sh
source "$COMET_ROOT/scripts/toolchain.sh"

# A fingerprint of what the frontend bundle is built from.
app_fingerprint() {
  (
    cd "$COMET_ROOT" &&
      {
        cat yarn.lock
        local paths=(packages/app/src packages/app/public packages/app/package.json packages/app/config.d.ts scripts/precompress-static.mjs)
        [[ -d plugins ]] && paths+=(plugins)
        find "${paths[@]}" -path '*/node_modules' -prune -o \
          \( -path 'plugins/*-backend*' -o -path 'plugins/*-node/*' \) -prune -o \
          -type f -printf '%p %s %T@\n' 2>/dev/null | sort || true
      } | sha256sum | cut -d' ' -f1
  )
}

build_app() {
  local stamp="$COMET_ROOT/packages/app/dist/.comet-build-stamp"
  local fingerprint
  fingerprint="$(app_fingerprint)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" && -f "$COMET_ROOT/packages/app/dist/index.html" ]]; then
    return
  fi
  comet_log "building the frontend (once, and again only when it changes)"
  mkdir -p "$COMET_ROOT/.data"
  local log="$COMET_ROOT/.data/frontend-build.log"
  if ! (cd "$COMET_ROOT" && yarn workspace app build) >"$log" 2>&1; then
    tail -40 "$log" >&2
    comet_die "the frontend build failed; the whole log is in .data/frontend-build.log"
  fi
  echo "$fingerprint" >"$stamp"
}

# Config files for the backend: app-config.yaml, app-config.local.yaml when present, then any
# --config given on the command line (paths relative to the repository root).
config_args() {
  local -n out=$1
  shift
  out=(--config "$COMET_ROOT/app-config.yaml")
  if [[ -f "$COMET_ROOT/app-config.local.yaml" ]]; then
    out+=(--config "$COMET_ROOT/app-config.local.yaml")
  fi
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --config)
        [[ $# -ge 2 ]] || comet_die "--config needs a file"
        [[ -f "$2" ]] || comet_die "config file $2 does not exist"
        out+=(--config "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")")
        shift 2
        ;;
      *) comet_die "unknown option $1 (start takes --config FILE)" ;;
    esac
  done
}

# Validates the merged config against every package's config schema: unknown keys and wrong
# types stop start-up with the key named. Cached until a config file or package changes.
check_config() {
  local files=("$@")
  local stamp="$COMET_ROOT/.data/.config-check-stamp"
  local fingerprint
  fingerprint="$(
    {
      printf '%s\n' "${files[@]}"
      for f in "${files[@]}"; do [[ "$f" == --config ]] || cat "$f"; done
      env | grep -E '^(APP_CONFIG_|POSTGRES_|REDIS_|AUTH_)' | sort
      comet_deps_fingerprint
      find "$COMET_ROOT/packages" "$COMET_ROOT/plugins" -maxdepth 2 -name config.d.ts -printf '%p %T@\n' 2>/dev/null | sort
    } | sha256sum | cut -d' ' -f1
  )"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
    return
  fi
  comet_log "checking the configuration against its schema"
  local output
  if ! output="$(cd "$COMET_ROOT" && yarn backstage-cli config:check --strict --lax "${files[@]}" 2>&1)"; then
    printf '%s\n' "$output" | grep -v '^Loaded config from' >&2
    comet_die "the configuration is invalid (see above); fix the key named there"
  fi
  mkdir -p "$COMET_ROOT/.data"
  echo "$fingerprint" >"$stamp"
}

cmd_start() {
  local configs=()
  config_args configs "$@"
  comet_setup
  check_config "${configs[@]}"
  build_app
  local node_env="${COMET_NODE_ENV:-development}"
  if [[ " ${configs[*]} " == *production* ]]; then
    node_env="${COMET_NODE_ENV:-production}"
  fi
  comet_log "starting the backend (NODE_ENV=$node_env)"
  cd "$COMET_ROOT/packages/backend"
  NODE_ENV="$node_env" exec "$COMET_NODE" --enable-source-maps \
    --require @backstage/cli-node/config/nodeTransform.cjs \
    src/index.ts "${configs[@]}"
}

cmd_test() {
  exec bash "$COMET_ROOT/scripts/test-all.sh" "$@"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start) cmd_start "$@" ;;
  test) cmd_test "$@" ;;
  setup) comet_setup ;;
  build-app)
    comet_setup
    build_app
    ;;
  *) comet_die "usage: scripts/comet.sh start [--config FILE]... | test | setup | build-app" ;;
esac
