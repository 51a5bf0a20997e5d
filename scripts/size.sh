#!/usr/bin/env bash
# Prints the page's WebAssembly size as the browser downloads it: built with the page's
# profile, through wasm-bindgen and `wasm-opt -Oz` (what `trunk build --release` does; its
# own file differs by well under 0.1%), raw and gzip -9.
#
#   scripts/size.sh                   the page as it is
#   scripts/size.sh --by-origin       also its code by origin (each protocol, each module of
#                                     the core and the page, each other crate) and its
#                                     largest functions, from a second build whose symbols
#                                     name their type parameters (v0 mangling, which moves
#                                     the size by less than 0.1%)
#   scripts/size.sh --per-protocol    also the bytes each protocol adds: the page built
#                                     again with that protocol's registry entry left out
#                                     (about 90 s per protocol on 2 cores)
#   scripts/size.sh --without A,B     the page with those entries left out (the type names
#                                     in registry/mod.rs, e.g. FdNode,CsNode), which the
#                                     per-protocol costs are then measured against
#
# It builds in a scratch copy of the working tree (target/size/tree), with a target
# directory of its own (target/size/target), so the tree you work in is not touched.
source "$(dirname "$0")/toolchain.sh"
cd "$SB_ROOT"

per_protocol=
by_origin=
without=
while [ $# -gt 0 ]; do
  case $1 in
    --per-protocol) per_protocol=1 ;;
    --by-origin) by_origin=1 ;;
    --without) without=$2; shift ;;
    *) echo "usage: $0 [--by-origin] [--per-protocol] [--without Type,Type]" >&2; exit 2 ;;
  esac
  shift
done

ensure_wasm_target
ensure_wasm_bindgen
ensure_wasm_opt
wasm_env

work=$SB_ROOT/target/size
tree=$work/tree
registry=crates/core/src/registry/mod.rs
mkdir -p "$work"
rm -rf "$tree"
mkdir -p "$tree"
# The working tree as it is (tracked and new files), without build output.
git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "$tree"

# The registry entries to leave out, one type name each (see `PROTOCOLS`).
entries() { sed -nE 's/^ *&Of::<(.*)>::IT,$/\1/p' "$SB_ROOT/$registry"; }

# Builds the page with the entries named in "$1" (comma-separated) left out and prints
# "raw gzipped" of its optimised WebAssembly ($work/out/page.wasm). With "$2" = v0, the
# symbols name their type parameters, and $work/out/named.wasm keeps the functions' names.
measure() {
  local target=$work/target names=()
  if [ "${2:-}" = v0 ]; then
    target=$work/target-v0
    names=("RUSTFLAGS=${RUSTFLAGS:-} -Csymbol-mangling-version=v0")
  fi
  cp "$SB_ROOT/$registry" "$tree/$registry"
  local name
  for name in ${1//,/ }; do
    grep -qF "&Of::<$name>::IT," "$tree/$registry" || { echo "no registry entry $name" >&2; exit 2; }
    sed -i "/&Of::<${name//\//\\/}>::IT,/d" "$tree/$registry"
  done
  (cd "$tree" && env CARGO_TARGET_DIR="$target" "${names[@]}" \
    cargo build --quiet --profile web --target wasm32-unknown-unknown \
      -p splitbrain-web --bin splitbrain-web 2>/dev/null) || {
    echo "the page does not build without: $1" >&2; exit 1; }
  local out=$work/out
  rm -rf "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$out" \
    "$target/wasm32-unknown-unknown/web/splitbrain-web.wasm"
  local features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals)
  wasm-opt -Oz "${features[@]}" "$out/splitbrain-web_bg.wasm" -o "$out/page.wasm"
  # The same optimisation keeping the functions' names, to read what the code is made of.
  [ "${2:-}" = v0 ] &&
    wasm-opt -Oz -g "${features[@]}" "$out/splitbrain-web_bg.wasm" -o "$out/named.wasm"
  echo "$(wc -c < "$out/page.wasm") $(gzip -9 -c "$out/page.wasm" | wc -c)"
}

say "building the page${without:+ without $without}"
read -r raw gz <<< "$(measure "$without")"
protocols=$(entries | grep -cvxE "${without//,/|}" || true)
echo "SIZE page ($protocols protocols): $raw bytes, $gz gzipped"
if [ -n "$by_origin" ]; then
  say "building it again with v0 symbol names, for its code by origin"
  read -r r g <<< "$(measure "$without" v0)"
  echo "(that build: $r bytes, $g gzipped)"
  python3 scripts/size_top.py "$work/out/named.wasm" 25
fi

if [ -n "$per_protocol" ]; then
  say "the bytes each protocol adds (its entry left out, against the page above)"
  printf '%-40s %10s %10s\n' protocol raw gzipped
  for name in $(entries); do
    case ",$without," in *",$name,"*) continue ;; esac
    read -r r g <<< "$(measure "${without:+$without,}$name")"
    printf '%-40s %10d %10d\n' "$name" $((raw - r)) $((gz - g))
  done
fi
