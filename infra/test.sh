#!/usr/bin/env bash
# The test command: installs what the suites need, checks format and lints, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/setup.sh

ensure_rust
ensure_apt python3-venv
ensure_venv
export TEST_PYTHON="$PWD/.venv/bin/python"

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
