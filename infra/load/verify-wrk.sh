#!/usr/bin/env bash
# Load run of the QR verification link against the local runner (release build), with wrk.
# Usage: bash infra/load/verify-wrk.sh [duration, default 20s] [connections, default 16]
# Prints wrk's report with latency percentiles. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/setup.sh
ensure_rust
ensure_apt wrk curl pkg-config libxmlsec1-dev libclang-dev

duration=${1:-20s}
connections=${2:-16}
port=${LOAD_PORT:-18080}
data=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$data"' EXIT

cargo build --release --locked -p anagrafe-local --bins
export DATA_DIR="$data" PORT="$port" PUBLIC_BASE_URL="http://127.0.0.1:$port" RUST_LOG=warn
url=$(target/release/sample-certificate)
echo "Verification link: ${url%%\?*}?k=…"
target/release/anagrafe-local >/dev/null &
server=$!
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$port/api/health/verify" >/dev/null && break
    sleep 0.1
done
status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
[ "$status" = 200 ] || { echo "the link answers $status, not 200" >&2; exit 1; }
wrk -t2 -c"$connections" -d"$duration" --latency "$url"
