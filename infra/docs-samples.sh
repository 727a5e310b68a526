#!/usr/bin/env bash
# Renders page 1 of sample certificates at 80 dpi into docs/ (what the README shows): a
# certificate of residence, a stato di famiglia and a certificate in bollo, issued by the
# local runner's code for the demo's first household on a fresh data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# The whole workspace, as every other command builds it (the same features, no rebuild).
cargo build --workspace --bins --locked
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
mkdir -p docs
sample() {
    local name=$1
    shift
    DATA_DIR="$data" PUBLIC_BASE_URL=https://anagrafe.comune.valdemo.it \
        target/debug/sample-certificate "$@" --pdf "$data/$name.pdf" >/dev/null
    pdftoppm -r 80 -png -singlefile -f 1 -l 1 "$data/$name.pdf" "docs/$name"
    echo "docs/$name.png"
}
sample certificato-residenza --type residenza --uso pensioni
sample certificato-stato-famiglia --type stato_famiglia --uso assegni_familiari
sample certificato-in-bollo --type residenza --uso uso_privato --marca 01234567890123
# The receipt of an online application (the residence declaration of the e2e test).
RECEIPT_SAMPLE="$data/ricevuta-istanza.pdf" TEST_PYTHON="${TEST_PYTHON:-$PWD/.venv/bin/python}" \
    cargo test --locked -p e2e --test applications a_residence_declaration >/dev/null
pdftoppm -r 80 -png -singlefile -f 1 -l 1 "$data/ricevuta-istanza.pdf" docs/ricevuta-istanza
echo docs/ricevuta-istanza.png
