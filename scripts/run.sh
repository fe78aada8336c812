#!/usr/bin/env bash
# Sets up what is missing, builds, and runs the app on http://127.0.0.1:3000 with an embedded
# SQLite database (data/milestones.db, created and migrated on first start) and the demo data.
#   ./scripts/run.sh            debug build
#   ./scripts/run.sh --release  optimised build (wasm-opt from npm binaryen)
# Settings: DATABASE_URL, LEPTOS_SITE_ADDR, DEMO (see `target/debug/server --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

profile="debug"
build_flags=(--split)
case "${1:-}" in
  "") ;;
  --release) profile="release"; build_flags=(--release --precompress --split) ;;
  *) echo "usage: $0 [--release]" >&2; exit 2 ;;
esac

step "Checking the toolchain"
ensure_build_tools
if [ "$profile" = "release" ]; then
  ensure_wasm_opt
fi

step "Building ($profile)"
cargo leptos build "${build_flags[@]}"

step "Starting on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops it)"
# Demo data (public passwords) for the plain development run only; a release build starts
# without it unless DEMO=true is given.
if [ "$profile" = "release" ]; then
  export DEMO="${DEMO:-false}"
else
  export DEMO="${DEMO:-true}"
fi
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec "${CARGO_TARGET_DIR:-target}/$profile/server"
