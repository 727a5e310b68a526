#!/usr/bin/env bash
# `sam build` of every function as a deployment builds it (template.yaml): the auth function
# by its makefile (infra/lambda/package-auth.sh), the others by cargo-lambda in their own
# package directory, each with its own features of `shared`, so each links only its
# adapters. SAM, cargo-lambda and its zig come from .venv-sam (tests/python/requirements-sam.txt).
#
# usage: infra/lambda/sam-build.sh [BUILD_DIR]        (default target/sam-build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/sam-build}
export PATH="$PWD/.venv-sam/bin:$PATH" SAM_CLI_TELEMETRY=0
sam build --build-in-source --build-dir "$out" --template-file template.yaml
echo "bootstrap of each function (bytes):"
for f in "$out"/*Function/bootstrap; do
    printf '  %-24s %9d\n' "$(basename "$(dirname "$f")")" "$(stat -c %s "$f")"
done
