#!/usr/bin/env bash
# Time and peak memory of `ecr-pathcheck diagnose --snapshot FILE --output FORMAT` on the
# 101,000-service snapshot of checks/examples/load_large.rs (written once, about 56 MB), for each
# format: the median of RUNS runs (default 3) of wall time, CPU time (user + system) and peak
# RSS, from /usr/bin/time -v, standard output redirected to a file.
#
#   scripts/bench-large-snapshot.sh [FORMAT...]    # default: every format
#
#   ECR_PATHCHECK_BIN   the binary to measure (default: target/release/ecr-pathcheck, built first
#                       with `cargo build --release` unless the variable is set)
#   SNAPSHOT            the snapshot file (default: $TMPDIR/ecr-pathcheck-load-large-101000.json,
#                       generated with `cargo run --release --example load_large` when missing)
#   RUNS                runs per format (default 3)
#   KEEP_DIR            where each format's output goes, as report.FORMAT (default: a temporary
#                       directory, removed at the end); keep it to `cmp` two builds
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
runs=${RUNS:-3}
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(json jsonl table markdown sarif junit)
version=$(sed -n "s/^pub const SCHEMA_VERSION: u32 = \([0-9]*\);/\1/p" checks/src/snapshot/mod.rs)
snapshot=${SNAPSHOT:-${TMPDIR:-/tmp}/ecr-pathcheck-load-large-101000-v$version.json}
if [ ! -e "$snapshot" ]; then
    cargo run --quiet --release -p ecr-pathcheck-checks --example load_large -- "$snapshot" >/dev/null
fi
if [ -z "${ECR_PATHCHECK_BIN:-}" ]; then
    cargo build --quiet --release
    ECR_PATHCHECK_BIN=$target_dir/release/ecr-pathcheck
fi
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
log=$(mktemp)
errors=$(mktemp)
keep=${KEEP_DIR:-$(mktemp -d)}
trap 'rm -f "$log" "$errors"; [ -n "${KEEP_DIR:-}" ] || rm -rf "$keep"' EXIT
mkdir -p "$keep"
printf '%-9s %9s %9s %15s %12s  (median of %s runs, %s)\n' format "wall (s)" "CPU (s)" "peak RSS (MiB)" "output (MB)" "$runs" "$(basename "$snapshot")"
for format in "${formats[@]}"; do
    walls=() cpus=() rss=()
    out=$keep/report.$format
    for _ in $(seq "$runs"); do
        status=0
        /usr/bin/time -v -o "$log" "$ECR_PATHCHECK_BIN" diagnose --snapshot "$snapshot" --output "$format" >"$out" 2>"$errors" || status=$?
        # 0, 1 (error findings) and 3 (undecided) are diagnoses; anything else is a failure.
        case $status in 0 | 1 | 3) ;; *) echo "$format: exit $status" >&2; cat "$errors" "$log" >&2; exit 2 ;; esac
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")")
        cpus+=("$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$log")")
        rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 / 1024 }' "$log")")
    done
    size=$(stat -c %s "$out")
    printf '%-9s %9.2f %9.2f %15.0f %12.0f\n' "$format" \
        "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
        "$(printf '%s\n' "${rss[@]}" | median)" \
        "$(echo "$size / 1000000" | bc -l)"
done
