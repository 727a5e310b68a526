#!/usr/bin/env bash
# The run command: installs what the build needs, then serves the whole portal on
# http://127.0.0.1:8080 (PORT) with its data in ./data (DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/setup.sh

ensure_rust
# The auth function links xmlsec1 (SAML signatures); bindgen needs libclang at build time.
ensure_apt pkg-config libxmlsec1-dev libclang-dev
ensure_web
exec cargo run --locked -- "$@"
