# Shared set-up steps for run.sh and test.sh: each installs what is missing and skips what is
# there. Sourced, not run.

export PATH="$HOME/.cargo/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
# The wasm-bindgen CLI must equal the crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' "$ROOT/Cargo.toml")"
BINARYEN_VERSION="132.0.0"

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "wasm32-unknown-unknown target: present"
  else
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    echo "cargo-leptos $CARGO_LEPTOS_VERSION: present"
  else
    step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on two cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

ensure_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    echo "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
  else
    step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
    # Without --locked: its lock file names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
}

# wasm-opt for release builds, from the npm package binaryen, kept in .tools/.
ensure_wasm_opt() {
  local bin="$ROOT/.tools/node_modules/.bin"
  if [ ! -x "$bin/wasm-opt" ]; then
    step "Installing wasm-opt (npm binaryen@$BINARYEN_VERSION) into .tools/"
    mkdir -p "$ROOT/.tools"
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION"
  else
    echo "wasm-opt: present"
  fi
  export PATH="$bin:$PATH"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    echo "chromium: present"
  else
    step "Installing Debian's Chromium"
    apt_install chromium
  fi
}

ensure_npm_packages() {
  local dir="$ROOT/end2end"
  # npm ci writes node_modules/.package-lock.json: newer than the lock file means up to date.
  if [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] &&
    [ "$dir/node_modules/.package-lock.json" -nt "$dir/package.json" ]; then
    echo "end2end npm packages: present"
  else
    step "Installing the end2end npm packages"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}

# PostgreSQL on 127.0.0.1:5432 for the database tests: started if installed and stopped,
# installed from Debian if absent. Sets TEST_POSTGRES_URL unless it is set already.
ensure_postgres() {
  export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    step "Installing PostgreSQL from Debian"
    apt_install postgresql postgresql-client
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "postgresql: running"
  else
    step "Starting PostgreSQL"
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ]; then
      apt_install postgresql postgresql-client
      version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    fi
    if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
      as_root pg_createcluster "$version" main
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 1
    done
    pg_isready -h 127.0.0.1 -p 5432
  fi
  if ! psql "$TEST_POSTGRES_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # A new Debian install asks for a password on TCP: give the postgres role one for tests.
    step "Giving the postgres role a password for the local tests"
    as_root runuser -u postgres -- psql -qc "ALTER ROLE postgres PASSWORD 'postgres'"
    export TEST_POSTGRES_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres"
    psql "$TEST_POSTGRES_URL" -Atqc 'SELECT 1' >/dev/null
  fi
  echo "postgresql: reachable for tests"
}

# Plain cargo commands share cargo-leptos's build cache only with the same compile-time
# environment: leptos reads LEPTOS_OUTPUT_NAME when it is compiled.
export LEPTOS_OUTPUT_NAME="milestones"
