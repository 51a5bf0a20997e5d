#!/usr/bin/env bash
# Builds the playground (release, size-optimised) and serves it at http://127.0.0.1:8080.
source "$(dirname "$0")/toolchain.sh"
cd "$SB_ROOT"
ensure_wasm_target
ensure_wasm_bindgen
ensure_trunk
ensure_wasm_opt
wasm_env
say "serving the playground at http://127.0.0.1:8080 (Ctrl-C to stop)"
exec trunk serve --release --address 127.0.0.1 --port "${PORT:-8080}" "$@"
