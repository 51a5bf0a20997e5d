#!/usr/bin/env bash
# Makes a standalone crate for a protocol of your own: scripts/new-protocol.sh DIR [NAME].
# The crate depends on this checkout's core (and its page on the playground), pins the
# wasm-bindgen the page is built with, has the size-optimised page profile, a webdriver.json
# for browser tests, a page that adds the protocol to the playground, and a small working
# protocol with a setting, two bugs, properties and tests to start from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/new-protocol.sh DIR [NAME]}
name=${2:-$(basename "$dir")}
if ! [[ $name =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "a protocol's name is lowercase letters, digits and dashes, starting with a letter (it goes in links), not \"$name\"" >&2
  exit 1
fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  echo "$dir exists and is not empty; pick a new directory" >&2
  exit 1
fi
crate=${name//-/_}
wasm_bindgen=$(sed -n 's/^WASM_BINDGEN_VERSION=\([0-9.]*\).*/\1/p' "$root/scripts/toolchain.sh")
mkdir -p "$dir"
cp -R "$root/scripts/template/." "$dir/"
cp "$root/crates/core/webdriver.json" "$dir/webdriver.json"
cp "$root/www/style.css" "$dir/page/style.css"
cp -R "$root/lessons" "$dir/page/lessons"
# The lock file of this checkout, so that the new crate builds with the versions it was
# tested with (cargo adds what is new).
cp "$root/Cargo.lock" "$dir/Cargo.lock"
find "$dir" -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.md' -o -name '*.html' \) -print0 |
  xargs -0 sed -i -e "s|__NAME__|$name|g" -e "s|__CRATE__|$crate|g" \
    -e "s|__CORE__|$root/crates/core|g" -e "s|__WEB__|$root/crates/web|g" \
    -e "s|__ROOT__|$root|g" -e "s|__WASM_BINDGEN__|$wasm_bindgen|g"
echo "made $dir: a protocol called $name (cd $dir && cargo test)"
