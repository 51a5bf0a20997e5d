#!/usr/bin/env bash
# Prints the simulator's speed natively and in headless Chromium (release builds).
source "$(dirname "$0")/toolchain.sh"
cd "$SB_ROOT"
ensure_browser_tools
say "native (splitbrain bench)"
cargo run --quiet --release -p splitbrain-cli -- bench "$@"
say "WebAssembly in headless Chromium"
browser_tests --release -p splitbrain-core --test wasm_bench -- --nocapture 2>&1 |
  grep -E 'BENCH|test result'

say "page frame times in headless Chromium (release build)"
port=${BENCH_PORT:-8092}
build_and_serve_page "$port"
ls -l target/e2e-dist/*.wasm target/e2e-dist/*.js | awk '{print "SIZE", $9, $5, "bytes"}'
for f in target/e2e-dist/*.wasm target/e2e-dist/*.js; do echo "SIZE gzip -9 $f $(gzip -9 -c "$f" | wc -c) bytes"; done
PLAYWRIGHT_CORE_PATH="$SB_CACHE/npm/node_modules/playwright-core" node scripts/bench-page.mjs "http://127.0.0.1:$port/"
