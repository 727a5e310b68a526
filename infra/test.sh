#!/usr/bin/env bash
# The test command: installs what the suites need, checks format and lints, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/setup.sh

ensure_rust
# poppler-utils: pdftotext, pdftoppm, pdfsig; libnss3-tools: certutil for pdfsig's trust store.
# libxmlsec1-dev, libclang-dev, pkg-config: building samael (SAML); xmlsec1: spid-sp-test and the @e.bollo signatures; libxml2-utils: xmllint, the @e.bollo receipts against MarcaDaBollo.xsd.
ensure_apt pkg-config libxmlsec1-dev libclang-dev python3-venv poppler-utils libnss3-tools qpdf xmlsec1 libxml2-utils
# patchelf: packaging the auth function with its shared libraries (infra/lambda/package-auth.sh); binutils: readelf, the checks of sam build's bootstraps.
ensure_apt patchelf ca-certificates binutils
# chromium: the browser tests (Debian's build, driven by playwright-core; no browser download).
ensure_apt chromium
ensure_venv
ensure_venv .venv-spid tests/python/requirements-spid.txt
ensure_venv .venv-sam tests/python/requirements-sam.txt
ensure_web
# Prism, the mock of pagoPA's GPD and Checkout made from their OpenAPI files (tests/tests/pagopa.rs).
if [ ! -f tests/pagopa-mock/node_modules/.package-lock.json ] || [ tests/pagopa-mock/package-lock.json -nt tests/pagopa-mock/node_modules/.package-lock.json ]; then
    (cd tests/pagopa-mock && npm ci --no-audit --no-fund --loglevel=error)
fi
export TEST_PYTHON="$PWD/.venv/bin/python"
# The reliability suite's counts: reduced by default (CI), full with RELIABILITY=full
# (README, "Reliability"): hostile inputs per parser, kills of the crash test, soak seconds.
if [ "${RELIABILITY:-}" = full ]; then
    export HOSTILE_CASES=100000 CRASH_KILLS=50 SOAK_SECONDS=600
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
mkdir -p target
# Every binary first: the suites start the functions as Lambda processes, their ops commands
# and the local runner (the browser tests drive it in headless Chromium).
cargo build --workspace --bins --locked
# The deployment build as SAM makes it, every function's bootstrap (tests/tests/sam_build.rs
# checks them), then the local runner's release build for the soak (tests/tests/soak.rs), on
# the same target so it shares that build's dependencies.
bash infra/lambda/sam-build.sh target/sam-build
cargo build --release --target x86_64-unknown-linux-gnu -p anagrafe-local --bin anagrafe-local --locked
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
(cd web && node --test --test-reporter=tap tests/) 2>&1 | tee target/web-test-output.log
web_status=${PIPESTATUS[0]}
set -e
# One closing line over every suite (cargo prints one summary per test binary, node one in all).
awk '/^test result:/ { p += $4; f += $6 } /^# pass / { p += $3 } /^# fail / { f += $3 } END { printf "summary: %d passed, %d failed\n", p, f }' \
    target/test-output.log target/web-test-output.log
[ "$status" -eq 0 ] && [ "$web_status" -eq 0 ]
