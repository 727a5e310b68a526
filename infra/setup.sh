# Sourced by infra/test.sh and infra/local/run.sh: installs what the build and the tests
# need, so a fresh machine runs both commands with nothing installed by hand.

# Debian packages, installed only when missing.
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installo i pacchetti di sistema: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "cargo non trovato: installa Rust (https://rustup.rs) e riprova." >&2
        exit 1
    fi
}

# A Python venv of test tools, rebuilt when its requirements file changes:
# ensure_venv [DIR REQUIREMENTS], by default .venv from tests/python/requirements.txt.
ensure_venv() {
    local dir=${1:-.venv}
    local req=${2:-tests/python/requirements.txt}
    local stamp=$dir/.requirements.sha256
    local want
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    echo "Preparo l'ambiente Python dei test ($dir)"
    python3 -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
}

# The static site: npm packages (from the npm registry only) and the build into web/dist.
ensure_web() {
    command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
    (
        cd web
        if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
            npm ci --no-audit --no-fund --loglevel=error
        fi
        npm run build --silent
    )
}
