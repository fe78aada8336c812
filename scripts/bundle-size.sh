#!/usr/bin/env bash
# Builds the release site (size-optimised WebAssembly, wasm-opt, precompressed files), serves it
# with the demo data on a scratch database, and prints per page what a first visit downloads
# (WebAssembly and JavaScript as transferred, brotli or gzip as Chromium accepts) and what a
# second visit downloads again. Exits non-zero when a participant page (sign-in, QuickcliQ,
# Profile, check-in) downloads more than the budget: 1.5 x the bare Leptos 0.8 app's 155 KB
# gzip (TOOLCHAIN.md), 232,000 bytes. The bare app (bench/bare-leptos) is built the same way in
# the same run, and each page's bytes are printed as a ratio of its (brotli, as sent).
#
#   ./scripts/bundle-size.sh            build, measure, check the budget
#   ./scripts/bundle-size.sh --phone    also the phone figures (4x CPU, 9 Mbit/s, 170 ms)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
BUDGET="${BUNDLE_BUDGET:-232000}"
PORT="${BUNDLE_PORT:-3300}"

step "Checking the toolchain"
ensure_build_tools
ensure_wasm_opt
ensure_chromium
ensure_npm_packages

step "Building the release site (cargo leptos build --release --precompress --split)"
cargo leptos build --release --precompress --split

step "Sizes of the built files (bytes)"
for file in target/site/pkg/*.wasm target/site/pkg/*.js; do
  printf '%-60s %9s raw %9s gzip %9s brotli\n' "$(basename "$file")" \
    "$(stat -c %s "$file")" "$(stat -c %s "$file.gz")" "$(stat -c %s "$file.br")"
done

step "The baseline, built the same way beside it: a bare Leptos 0.8 app (bench/bare-leptos)"
# wasm + JS of the bare app as built now: brotli and gzip bytes.
bare_bytes() {
  local br=0 gz=0 file
  for file in bench/bare-leptos/target/site/pkg/*.wasm bench/bare-leptos/target/site/pkg/*.js; do
    br=$((br + $(stat -c %s "$file.br")))
    gz=$((gz + $(stat -c %s "$file.gz")))
  done
  echo "$br $gz"
}
# With `data`: what a participant page uses from the framework (a resource, Suspense, a form
# calling a server function), to tell the framework's share of a page from the app's own.
rm -rf bench/bare-leptos/target/site
(cd bench/bare-leptos && LEPTOS_OUTPUT_NAME=bare cargo leptos build --release --precompress --frontend-only --lib-features hydrate,data)
read -r data_br data_gz < <(bare_bytes)
rm -rf bench/bare-leptos/target/site
(cd bench/bare-leptos && LEPTOS_OUTPUT_NAME=bare cargo leptos build --release --precompress --frontend-only)
read -r bare_br bare_gz < <(bare_bytes)
echo "bare Leptos 0.8 app, wasm + JS:                        $bare_br bytes brotli, $bare_gz gzip"
echo "bare app + resource, Suspense, ActionForm, wasm + JS:  $data_br bytes brotli, $data_gz gzip"

step "Serving it on 127.0.0.1:$PORT (demo data, scratch database)"
scratch="$(mktemp -d)"
DATABASE_URL="sqlite:$scratch/bundle.db" CREATE_DATABASE=true DEMO=true \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site SCHEDULE_REMINDERS=false \
  RUST_LOG=warn target/release/server &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 1
done

step "First visits in Chromium (budget: $BUDGET bytes of wasm + JS per participant page)"
status=0
(cd end2end && node bench/first-visit.mjs --base "http://127.0.0.1:$PORT" --budget "$BUDGET" --baseline "$bare_br") || status=$?
if [[ "${1:-}" == "--phone" ]]; then
  step "The QuickcliQ on a phone: 4x CPU slowdown, 9 Mbit/s, 170 ms"
  (cd end2end && node bench/first-visit.mjs --base "http://127.0.0.1:$PORT" --phone)
fi
exit "$status"
