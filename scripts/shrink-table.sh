#!/usr/bin/env bash
# How much shrinking takes away: for every bug variant of every protocol and each seed from
# 1 to SEEDS (default 10), the fuzzer's first failure (`fuzz --stop-at-first`, one thread)
# and its shrink. Prints one row per bug variant: in how many seeds a failure was found, the
# actions of the first failure and of the shrunk run (medians, and the most after
# shrinking), and the shrink's wall time (median and most). Needs jq.
# Usage: scripts/shrink-table.sh [SEEDS] [more fuzz options, such as --runs 500]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-10}
shift || true
cargo build --quiet --release -p splitbrain-cli
bin=target/release/splitbrain
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
$bin protocols | jq -r '.protocols[] | .name as $p | .bugs[] | "\($p) \(.name)"' |
  while read -r protocol bug; do
    for seed in $(seq 1 "$seeds"); do
      $bin fuzz --protocol "$protocol" --bug "$bug" --seed "$seed" --stop-at-first --jobs 1 "$@" |
        jq -r --arg p "$protocol" --arg b "$bug" \
          'if .shrunk then [$p, $b, .shrunk.actions_before, .shrunk.actions_after, .shrunk.wall_ms] | @tsv
           else [$p, $b, "-", "-", "-"] | @tsv end'
    done
  done >"$rows"
# Medians (the lower middle value of an even count) per bug variant, and over every run.
awk -F'\t' -v seeds="$seeds" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
      t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
    }
    return n ? a[int((n + 1) / 2)] : "-"
  }
  function most(list,   n, a, i, m) {
    n = split(list, a, " "); m = a[1]
    for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
    return n ? m : "-"
  }
  {
    key = $1 " " $2
    if (!(key in seen)) { seen[key] = 1; order[++keys] = key }
    if ($3 == "-") next
    found[key]++
    before[key] = before[key] " " $3; after[key] = after[key] " " $4; ms[key] = ms[key] " " $5
    all_before = all_before " " $3; all_after = all_after " " $4; all_ms = all_ms " " $5
  }
  END {
    printf "%-18s %-26s %6s %14s %14s %10s %13s %9s\n", "protocol", "bug", "found", "actions first", "after shrink", "most after", "shrink ms med", "most ms"
    for (k = 1; k <= keys; k++) {
      key = order[k]; split(key, pb, " ")
      printf "%-18s %-26s %3d/%-2d %14s %14s %10s %13s %9s\n", pb[1], pb[2], found[key], seeds,
        median(before[key]), median(after[key]), most(after[key]), median(ms[key]), most(ms[key])
    }
    printf "%-45s %6s %14s %14s %10s %13s %9s\n", "every bug variant and seed", "",
      median(all_before), median(all_after), most(all_after), median(all_ms), most(all_ms)
  }' "$rows"
