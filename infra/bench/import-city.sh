#!/usr/bin/env bash
# A big city's registry imported locally: writes an N-person demo export (default
# 1,000,000), imports it into a fresh DATA_DIR with the bench-profile import binary, then
# imports it again (must write nothing), printing wall time, peak RSS and records per
# second for each.   bash infra/bench/import-city.sh [persons] [work-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/setup.sh
ensure_rust
n=${1:-1000000}
work=${2:-$(mktemp -d -p "${TMPDIR:-/var/tmp}" anagrafe-city.XXXXXX)}
cargo build --locked --profile bench -p import -p anagrafe-local --bin import --bin demo-export
mkdir -p "$work"
bin=target/release
export="$work/export-$n.jsonl"
[ -s "$export" ] || "$bin/demo-export" "$n" --date 2026-11-23 "$export"
records=$(grep -vc '^#' "$export")
echo "export: $n persons, $records records, $(du -h "$export" | cut -f1)"
rm -rf "$work/data"
for run in first again; do
    /usr/bin/time -f '%e %M' -o "$work/time" env DATA_DIR="$work/data" "$bin/import" "$export" \
        | tail -1
    read -r wall rss <"$work/time"
    awk -v r="$run" -v w="$wall" -v m="$rss" -v n="$records" -v p="$n" 'BEGIN {
        printf "import (%s): %.1f s wall, peak RSS %.0f MB, %.0f records/s, %.0f persons/s\n",
            r, w, m / 1024, n / w, p / w }'
done
echo "store: $(du -sh "$work/data" | cut -f1) in $work/data"
