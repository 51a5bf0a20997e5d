#!/usr/bin/env bash
# Runs every test: formatting, lints, architecture invariants, native unit, property and
# CLI tests, and the core's tests in headless Chromium. Installs what is missing first.
source "$(dirname "$0")/toolchain.sh"
cd "$SB_ROOT"
started=$SECONDS
# Each phase says when it starts (seconds since the start), so a slow phase shows.
phase() { say "$* (at $((SECONDS - started)) s)"; }

ensure_browser_tools
say "tools ready in $((SECONDS - started)) s"
# A clean build (as CI's) gains nothing from incremental compilation's bookkeeping.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

phase "formatting (cargo fmt --check)"
cargo fmt --all -- --check

phase "lints (clippy, warnings denied)"
# The page crates (the playground, and the example's page with its protocol) build for the
# browser only.
native=(--workspace --exclude splitbrain-web --exclude own-protocol-page)
cargo clippy --quiet "${native[@]}" --all-targets -- -D warnings
( wasm_env; cargo clippy --quiet -p splitbrain-web -p own-protocol-page --target wasm32-unknown-unknown -- -D warnings )

phase "architecture invariants"
( wasm_env; bash scripts/check-architecture.sh )

phase "native tests (core, CLI, the example protocol, the page's arithmetic)"
# The page's library tests (chart scales, the sweep's values) are plain Rust and run natively.
cargo test "${native[@]}" 2>&1 | tee target/native-tests.log | grep -E '^(test result|running|error|failures)|FAILED|panicked' || true
cargo test -p splitbrain-web --lib 2>&1 | tee -a target/native-tests.log | grep -E '^(test result|running|error|failures)|FAILED|panicked' || true
grep -q 'FAILED\|error\[' target/native-tests.log && { echo "native tests failed; see target/native-tests.log" >&2; exit 1; }
grep -q '^test result: ok' target/native-tests.log

phase "a protocol made from the template (scripts/new-protocol.sh), tested natively"
rm -rf target/template-check
scripts/new-protocol.sh target/template-check/from-template >/dev/null
( cd target/template-check/from-template && CARGO_TARGET_DIR="$SB_ROOT/target" cargo test 2>&1 |
    grep -E "^test result|FAILED|panicked" )

phase "browser tests (wasm-bindgen-test in headless Chromium)"
# The core's and the example's together, and only the test files that hold browser tests
# (the others are native tests, already run above).
browser_tests -p splitbrain-core -p own-protocol --test wasm_golden --test register
# The browser benchmark is built, so that it keeps up with the core, not run.
browser_tests -p splitbrain-core --test wasm_bench --no-run --quiet

phase "end-to-end tests of the built page (playwright-core, headless Chromium)"
port=${E2E_PORT:-8090}
build_and_serve_page "$port"
say "  the page built (at $((SECONDS - started)) s)"
build_and_serve_own_page $((port + 1))
say "  the example's page built (at $((SECONDS - started)) s)"
PLAYGROUND_URL="http://127.0.0.1:$port/" OWN_PROTOCOL_URL="http://127.0.0.1:$((port + 1))/" \
  SCREENSHOT_DIR=test-output/e2e \
  PLAYWRIGHT_CORE_PATH="$SB_CACHE/npm/node_modules/playwright-core" \
  node --test tests/e2e/

say "all tests passed in $((SECONDS - started)) s"
