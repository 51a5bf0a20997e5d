#!/usr/bin/env bash
# Checks the invariants ARCHITECTURE.md promises. Run from the repository root.
set -euo pipefail
fail() { echo "architecture invariant broken: $*" >&2; exit 1; }

# 1. The core depends on no web or UI crate.
deps=$(cargo tree -p splitbrain-core -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
for banned in wasm-bindgen web-sys js-sys yew gloo getrandom; do
  if grep -qx "$banned" <<<"$deps"; then fail "splitbrain-core depends on $banned"; fi
done

# 2. The core builds for the browser.
cargo build --quiet -p splitbrain-core --lib --target wasm32-unknown-unknown

# 3. The core reads no clock and draws no OS randomness: time and chance come from the
#    simulator (virtual time, the seeded PRNG).
if grep -rnE 'Instant::now|SystemTime|thread_rng|rand::random|getrandom|std::time' crates/core/src; then
  fail "the core reads a clock or OS randomness"
fi

# 4. Only the web crate touches the DOM.
if grep -rlE 'web_sys|wasm_bindgen' crates/core/src crates/cli/src; then
  fail "a non-web crate uses web_sys or wasm_bindgen"
fi
# 5. Protocols are chosen by the registry, not by matching on their names: only a
#    protocol's own folder and the registry may do so.
names=$(grep -rh -A1 'const ABOUT: About = About {' crates/core/src/protocols/*/about.rs |
  sed -nE 's/.*name: "([a-z-]+)",.*/\1/p' | sort -u)
[ -n "$names" ] || fail "no protocol names found in crates/core/src/protocols/*/about.rs"
for name in $names; do
  if grep -rnE "\"$name\" =>" crates --include=*.rs | grep -vE '^crates/core/src/protocols/|^crates/core/src/registry/'; then
    fail "code outside the registry matches on the protocol name $name"
  fi
done
# 6. The page and the command line are protocol-neutral: they reach protocols only through
#    the registry and the core's object-safe `Sim`, never by a protocol's module or types.
if grep -rnE 'protocols::' crates/web/src crates/cli/src; then
  fail "the page or the command line names a protocol's module"
fi
# 7. Layers inside the core: the basics, then the contract, then the protocols, then the
#    engine. Production code (not tests) names only modules of its own layer or below, so
#    a protocol reads the run only through the contract (`Described::narrate` gets a
#    `Scene`, checkers a `CheckView`), never the engine's world.
src=crates/core/src
basics='ids|time|rng|sort|flat|mem|client|clock|network|action|card|chunked|checkers'
contract='protocol|payload|check|trace|describe|about'
engine='world|run|view|recipe|registry|sim|fuzz|cap|lesson|export|rewind'
# Production lines as file:line:text: no tests.rs, nothing from the `#[cfg(test)] mod x {`
# block each file keeps last, no comment lines.
production() {
  find "$@" -name '*.rs' ! -name tests.rs -print0 | xargs -0 awk '
    FNR == 1 { prev = "" }
    prev ~ /^#\[cfg\(.*test/ && /^mod [a-z_]+ \{/ { nextfile }
    { prev = $0 }
    !/^[[:space:]]*\/\// { print FILENAME ":" FNR ":" $0 }'
}
layer() { for m in ${1//|/ }; do [ -e "$src/$m.rs" ] && echo "$src/$m.rs"; [ -d "$src/$m" ] && echo "$src/$m"; done; true; }
# The check reads names, so a grouped `use crate::{...}` would hide what it imports.
if grep -rnE 'use crate::\{' "$src"; then fail "a grouped use crate::{...} hides a module's layer"; fi
bad=$(production $(layer "$basics") | grep -E "crate::($contract|protocols|$engine)\b" || true)
[ -z "$bad" ] || { echo "$bad"; fail "a basic module imports the contract, a protocol or the engine"; }
bad=$(production $(layer "$contract") | grep -E "crate::(protocols|$engine)\b" || true)
[ -z "$bad" ] || { echo "$bad"; fail "the contract imports a protocol or the engine"; }
bad=$(production "$src/protocols" | grep -E "crate::($engine)\b" || true)
[ -z "$bad" ] || { echo "$bad"; fail "a protocol imports the engine"; }
# 8. The engine is compiled once: only its thin typed layer (the boundary's `Typed<P>` in
#    world/nodes.rs, the typed `World<P>` in world/mod.rs, the registry's `Of<P>` and
#    `RunSpec::world`/`typed_world`, which make a `Typed<P>`) is generic over a protocol;
#    the kernel, the trace, the views and everything else take the protocol through the
#    boundary's trait objects.
typed_layer="$src/world/nodes.rs|$src/world/mod.rs|$src/registry/mod.rs|$src/run.rs"
bad=$(production $(layer "$engine") "$src/trace" | grep -vE "^($typed_layer):" \
  | grep -E "<P(: [A-Za-z:]*(Protocol|Described))?>|<P: " || true)
[ -z "$bad" ] || { echo "$bad"; fail "engine code outside the typed layer is generic over a protocol"; }
bad=$(production "$src/run.rs" "$src/registry/mod.rs" | grep -E "<P(: [A-Za-z:]*(Protocol|Described))?>|<P: " \
  | grep -vE "fn (world|typed_world)<P|impl<P(: Described)?> (Entry for )?Of<P>|Of::<P>|Of<P>\(|pub struct Of<P>|IT: Of<P>|world::<P>|Typed::<P>::new\(" || true)
[ -z "$bad" ] || { echo "$bad"; fail "run.rs or the registry grew protocol-generic code beyond Of<P> and RunSpec::world"; }
echo "architecture invariants hold"
