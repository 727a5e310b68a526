#!/usr/bin/env bash
# The certificate pipeline side by side on this machine, one after the other: the Rust whole
# issue (cargo bench, local adapters, B-T with the local TSA) and the same pipeline in Python
# (infra/bench/python_reference.py: reportlab + qrcode + pyHanko, in the test venv). Prints
# both p50 (and p99) and the ratio.   bash infra/bench/side-by-side.sh [python-iterations]
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/setup.sh
ensure_rust
ensure_venv
n=${1:-200}
rust=$(cargo bench --locked -p shared --bench certificates -- "whole issue" 2>/dev/null \
    | grep '^whole issue, B-T')
python=$(.venv/bin/python infra/bench/python_reference.py "$n")
echo "rust:   $rust"
echo "python: $python"
.venv/bin/python - "$rust" "$python" <<'PY'
import re, sys
def ms(text, key):
    value, unit = re.search(key + r"=([\d.]+)(ms|µs|s)", text).groups()
    return float(value) * {"ms": 1, "µs": 1e-3, "s": 1e3}[unit]
rust, python = sys.argv[1], sys.argv[2]
r50, r99, p50 = ms(rust, "p50"), ms(rust, "p99"), ms(python, "p50")
print(f"rust p50 {r50:.2f} ms, p99 {r99:.2f} ms (p99/p50 {r99 / r50:.2f}); python p50 {p50:.1f} ms; ratio {p50 / r50:.1f}x")
PY
