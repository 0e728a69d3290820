#!/usr/bin/env bash
# The playground: build the page, serve it, or test it in headless Chromium.
#
#   scripts/playground.sh build        # target/playground/: the page and its .wasm
#   scripts/playground.sh serve [port] # http://localhost:8000 (any static server will do)
#   scripts/playground.sh test         # browser tests; installs what they need
set -euo pipefail
cd "$(dirname "$0")/.."

site=target/playground
crate=crates/origami-playground

build() {
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown
  cargo build --quiet --profile wasm --target wasm32-unknown-unknown -p origami-playground --lib
  rm -rf "$site"
  mkdir -p "$site"
  cp "$crate"/web/* "$site"/
  cp target/wasm32-unknown-unknown/wasm/origami_playground.wasm "$site"/
  echo "built $site ($(stat -c %s "$site"/origami_playground.wasm) bytes of wasm)"
}

case "${1:-}" in
  build)
    build
    ;;
  serve)
    build
    port="${2:-8000}"
    echo "serving http://localhost:$port/ (Ctrl-C stops)"
    exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site"
    ;;
  test)
    build
    command -v chromium >/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
    }
    (cd "$crate/browser" && npm ci --no-audit --no-fund --silent)
    # Built as the README's `cargo test --workspace --release` builds it (with
    # the workspace's features), so after that command nothing rebuilds.
    cargo test --quiet --release --workspace --no-run --test session
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$site" > target/playground-server.log 2>&1 &
    server=$!
    trap 'kill $server' EXIT
    for _ in $(seq 50); do
      port=$(grep -o 'port [0-9]*' target/playground-server.log | grep -o '[0-9]*' || true)
      [ -n "$port" ] && break
      sleep 0.1
    done
    [ -n "$port" ] || { echo "the test server did not start"; exit 1; }
    node "$crate/browser/test.mjs" "http://127.0.0.1:$port/" target/release/playground-check
    ;;
  *)
    echo "usage: scripts/playground.sh build | serve [port] | test" >&2
    exit 2
    ;;
esac
