# shellcheck shell=bash
# Shared by serve.sh and test.sh: finds or installs every tool the project needs, once,
# into a cache outside the repository (~/.cache/splitbrain unless SPLITBRAIN_CACHE is set),
# so that a second run only checks versions.

set -euo pipefail

SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SB_CACHE=${SPLITBRAIN_CACHE:-$HOME/.cache/splitbrain}
SB_TOOLS=$SB_CACHE/tools
export PATH="$SB_TOOLS/bin:$SB_CACHE/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export TRUNK_SKIP_VERSION_CHECK=true

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
TRUNK_VERSION=0.21.14          # 0.22 needs a newer rustc than the one we build with
BINARYEN_VERSION=132

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "error: root is needed to run: $*" >&2; return 1
  fi
}

APT_UPDATED=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The wasm32 target: rustup's where it can be had, else Debian's rustc-web built with
# build-std (see shared notes). Sets WASM_ROUTE; `wasm_env` exports what cargo then needs.
WASM_ROUTE=
ensure_wasm_target() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    WASM_ROUTE=rustup; return
  fi
  say "adding the wasm32-unknown-unknown target"
  if timeout 300 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    WASM_ROUTE=rustup; return
  fi
  say "rustup cannot download the target here; using Debian's rustc-web"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  WASM_ROUTE=debian
}

wasm_env() {
  if [ "$WASM_ROUTE" = debian ]; then
    export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
    export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
    export CARGO_TARGET_DIR="$SB_ROOT/target/wasm-debian"
  fi
}

# ensure_cargo_tool CRATE VERSION BINARY [extra cargo install flags...]
ensure_cargo_tool() {
  local crate=$1 version=$2 bin=$3; shift 3
  if "$SB_TOOLS/bin/$bin" --version 2>/dev/null | grep -qF "$version"; then return; fi
  say "building $crate $version (once; cached in $SB_TOOLS)"
  # --debug builds these tools several times faster; they mostly drive other programs.
  cargo install --quiet --root "$SB_TOOLS" --debug --version "$version" "$@" "$crate"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return; fi
  apt_install chromium chromium-driver
}

ensure_npm_package() {
  local spec=$1 probe=$2
  if [ -e "$SB_CACHE/npm/node_modules/$probe" ]; then return; fi
  say "installing $spec from npm"
  mkdir -p "$SB_CACHE/npm"
  npm install --silent --no-audit --no-fund --prefix "$SB_CACHE/npm" "$spec" >/dev/null
}

ensure_wasm_bindgen() { ensure_cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen; }
ensure_trunk() { ensure_cargo_tool trunk "$TRUNK_VERSION" trunk --locked; }
ensure_wasm_opt() {
  ensure_npm_package "binaryen@$BINARYEN_VERSION" "binaryen/package.json"
}

# Everything the tests and benchmarks need: the page's toolchain and a headless browser.
ensure_browser_tools() {
  ensure_wasm_target
  ensure_chromium
  ensure_wasm_bindgen
  ensure_trunk
  ensure_wasm_opt
  ensure_npm_package playwright-core "playwright-core/package.json"
}

# browser_tests [cargo test arguments...]: runs wasm-bindgen tests in headless Chromium, as
# `wasm-pack test --headless --chrome` does (cargo test for wasm32 with wasm-bindgen's test
# runner, which finds ChromeDriver through $CHROMEDRIVER and its options in each crate's
# webdriver.json), in one cargo invocation for every crate named.
browser_tests() {
  ( wasm_env
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
    # The runner's default gives a whole test file 20 s; the golden file's shrinks and the
    # lessons' searches take longer than that in the browser.
    export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
    cargo test --target wasm32-unknown-unknown "$@" )
}

# build_and_serve_page PORT: builds the release page into target/e2e-dist and serves it
# at http://127.0.0.1:PORT/ in the background until the script exits.
build_and_serve_page() {
  ( wasm_env; trunk build --release --dist target/e2e-dist >target/trunk-build.log 2>&1 ) ||
    { tail -n 40 target/trunk-build.log >&2; echo "trunk build failed; see target/trunk-build.log" >&2; exit 1; }
  node tests/e2e/serve-static.mjs target/e2e-dist "$1" &
  SB_SERVERS="${SB_SERVERS:-} $!"
  trap 'kill $SB_SERVERS 2>/dev/null' EXIT
}

# build_and_serve_own_page PORT: the same for the page built with the example protocol
# (examples/own-protocol/page), into target/own-dist.
build_and_serve_own_page() {
  ( wasm_env; trunk build --release --dist target/own-dist examples/own-protocol/page/index.html \
      >target/trunk-own-build.log 2>&1 ) ||
    { tail -n 40 target/trunk-own-build.log >&2; echo "trunk build of the example's page failed; see target/trunk-own-build.log" >&2; exit 1; }
  node tests/e2e/serve-static.mjs target/own-dist "$1" &
  SB_SERVERS="${SB_SERVERS:-} $!"
  trap 'kill $SB_SERVERS 2>/dev/null' EXIT
}
