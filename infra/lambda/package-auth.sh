#!/usr/bin/env bash
# Packages the auth function for Lambda (x86_64, provided.al2023) with every shared library it
# links, glibc and its loader included. Debian 12's libxmlsec1, libxml2, OpenSSL and ICU need a
# newer glibc and libstdc++ than Amazon Linux 2023 has (2.36 vs 2.34), so the package brings
# its own: the binary's interpreter is /var/task/lib/ld-linux-x86-64.so.2 and its DT_RPATH
# /var/task/lib (DT_RPATH, unlike DT_RUNPATH, wins over the LD_LIBRARY_PATH Lambda sets).
# The CA roots for the AWS SDK's TLS come along too (certs/, SSL_CERT_FILE in template.yaml).
#
# usage: infra/lambda/package-auth.sh OUT_DIR [BINARY]
#   OUT_DIR  becomes the function's code: bootstrap + lib/
#   BINARY   an already built auth binary (default: the release build for x86_64, the same
#            cargo build as cargo-lambda's for the other functions, sharing its dependencies)
set -euo pipefail
out=${1:?usage: package-auth.sh OUT_DIR [BINARY]}
bin=${2:-}
root="$(cd "$(dirname "$0")/../.." && pwd)"
task_root=/var/task
if [ -z "$bin" ]; then
    (cd "$root" && cargo build --release --locked --target x86_64-unknown-linux-gnu -p auth)
    bin="${CARGO_TARGET_DIR:-$root/target}/x86_64-unknown-linux-gnu/release/auth"
fi
mkdir -p "$out"
rm -rf "$out/bootstrap" "$out/lib" "$out/certs"
mkdir "$out/lib" "$out/certs"
cp -L /etc/ssl/certs/ca-certificates.crt "$out/certs/ca-bundle.crt"
cp "$bin" "$out/bootstrap"
strip "$out/bootstrap"
# Every library the loader resolves for the binary, the loader itself included.
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' |
    while read -r lib; do cp -L "$lib" "$out/lib/"; done
for lib in "$out"/lib/*; do
    if readelf -d "$lib" | grep -q RUNPATH; then
        echo "$lib has a RUNPATH: its dependencies would escape the package" >&2
        exit 1
    fi
done
patchelf --set-interpreter "$task_root/lib/ld-linux-x86-64.so.2" \
    --force-rpath --set-rpath "$task_root/lib" "$out/bootstrap"
echo "auth packaged in $out: bootstrap $(stat -c %s "$out/bootstrap") bytes, $(ls "$out/lib" | wc -l) libraries ($(du -sh "$out/lib" | cut -f1))"
