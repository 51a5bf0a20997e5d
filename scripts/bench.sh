#!/usr/bin/env bash
# Prints the simulator's speed natively and in headless Chromium (release builds).
source "$(dirname "$0")/toolchain.sh"
cd "$SB_ROOT"
ensure_wasm_target
ensure_chromium
ensure_wasm_bindgen
ensure_wasm_pack
say "native (splitbrain bench)"
cargo run --quiet --release -p splitbrain-cli -- bench "$@"
say "WebAssembly in headless Chromium"
( wasm_env; wasm-pack test --release --headless --chrome --mode no-install crates/core \
    --features browser-bench --test wasm_bench -- --nocapture 2>&1 | grep -E 'BENCH|test result' )
