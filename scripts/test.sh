#!/usr/bin/env bash
# Sets up what is missing and runs every check and test: formatting, clippy, unit and property
# tests, the database suite on SQLite and PostgreSQL, HTTP tests, and the Playwright journeys in
# Chromium (hydrated and with JavaScript off, with axe-core).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
started=$(date +%s)

if [[ "${CI:-}" == "true" ]]; then
  # A CI run builds once from scratch: incremental caches would only use disk.
  export CARGO_INCREMENTAL=0
fi
echo "Disk free where the build goes: $(df -h --output=avail "$ROOT" | tail -1 | tr -d ' ')"

step "Checking the toolchain and services"
ensure_build_tools
ensure_chromium
ensure_npm_packages
ensure_postgres

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Layers (imports in app/src only go down; docs/rules.md)"
python3 scripts/layers.py --self-test
python3 scripts/layers.py

step "Layout (the README's table matches the tree)"
python3 scripts/layout.py --self-test
python3 scripts/layout.py

step "Lints (clippy, warnings are errors)"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

step "Starting maildev (a local SMTP server the email tests read back; it relays nothing)"
export MAILDEV_SMTP_PORT="${MAILDEV_SMTP_PORT:-1125}" MAILDEV_WEB_PORT="${MAILDEV_WEB_PORT:-1180}"
export TEST_SMTP_URL="smtp://127.0.0.1:$MAILDEV_SMTP_PORT"
export TEST_MAILDEV_URL="http://127.0.0.1:$MAILDEV_WEB_PORT"
# Started directly (not through npx, whose child would outlive it), so the trap stops it. Its
# log goes beside the build (CARGO_TARGET_DIR when set, which may be outside this checkout).
MAILDEV_LOG="${CARGO_TARGET_DIR:-$ROOT/target}/maildev.log"
mkdir -p "$(dirname "$MAILDEV_LOG")"
end2end/node_modules/.bin/maildev --smtp "$MAILDEV_SMTP_PORT" --web "$MAILDEV_WEB_PORT" \
  --ip 127.0.0.1 --web-ip 127.0.0.1 >"$MAILDEV_LOG" 2>&1 &
MAILDEV_PID=$!
trap 'kill "$MAILDEV_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do
  curl -sf "$TEST_MAILDEV_URL/api/healthz" >/dev/null && break
  sleep 1
done
curl -sf "$TEST_MAILDEV_URL/api/healthz" >/dev/null || { cat "$MAILDEV_LOG"; exit 1; }
echo "maildev: SMTP on $MAILDEV_SMTP_PORT, API on $MAILDEV_WEB_PORT"

step "Unit, property and database tests (app; SQLite and PostgreSQL)"
cargo test -p app --features ssr

step "HTTP and server tests"
# One test at a time: Leptos keeps some state per process, and tests that each run their own
# tokio runtime in parallel can stall on it.
cargo test -p server -- --test-threads=1

step "Building the site for the browser tests"
cargo leptos build --split

step "Playwright journeys in Chromium"
(cd end2end && npx playwright test)

step "All tests passed in $(( $(date +%s) - started )) s"
