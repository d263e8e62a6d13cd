#!/usr/bin/env bash
# What the tests need outside Python: system packages, the browser tests' npm packages and a PostgreSQL
# server with a role that can create databases. `make test` runs it (and CI runs `make test` through .ci/run),
# so a developer's machine and CI get the same set-up.
#
#   .ci/services.sh packages   # install the missing system packages (apt-get, as root or with sudo -n)
#   .ci/services.sh browser    # tests/browser/setup.sh (axe-core) when its node_modules are missing or stale
#   .ci/services.sh postgres   # start PostgreSQL if needed; print its URL on stdout (nothing when unavailable)
#   .ci/services.sh            # all three (what `make test` runs)
#
# Messages go to stderr, so `url="$(.ci/services.sh)"` captures only the URL. Where something cannot be
# installed (not root and no passwordless sudo, not Debian) it prints ONE line: what to install and which
# tests skip; the tests then skip. In CI (CI=true) every such problem is fatal instead.
# Idempotent: when everything is already installed and running it only checks, in well under a second.
#
# As root (CI, containers) it uses Debian's cluster tools: the newest installed PostgreSQL major version,
# its cluster "main" (created when missing), started as the postgres user by pg_ctlcluster, and a role
# pakar/pakar with CREATEDB. As another user it runs a private cluster owned by that user (initdb + pg_ctl)
# in $PAKAR_PG_DIR (default: $TMPDIR/pakar-pg-$USER) on port $PAKAR_PG_PORT (default 54329), so no sudo is
# needed. PAKAR_TEST_POSTGRES_URL, when already set, is used as it is.
set -euo pipefail

PACKAGES=(
    postgresql                      # the second database backend of the web tests; initdb/pg_ctl for the soak's private cluster
    chromium                        # browser tests drive /usr/bin/chromium
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint (PDF reports)
    fonts-dejavu-core               # a font, so PDFs carry real text
    nginx                           # make serve's front server (tests/webui/serving start it)
)
# The tests each missing package costs, for the one line printed when it cannot be installed.
declare -A LOSES=(
    [postgresql]="PostgreSQL tests and the soak on PostgreSQL skip"
    [chromium]="browser tests skip"
    [npm]="axe-core accessibility checks skip"
    [libpango-1.0-0]="PDF tests fail"
    [libpangoft2-1.0-0]="PDF tests fail"
    [libharfbuzz-subset0]="none (WeasyPrint subsets fonts with fontTools)"
    [fonts-dejavu-core]="PDF tests may fail"
    [nginx]="production server (make serve) tests skip"
    [make]="nothing runs"
    [python3-venv]="nothing runs"
)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROLE=pakar
CLUSTER="${PAKAR_PG_CLUSTER:-main}"    # root only: the Debian cluster name
PASSWORD=pakar

say() { printf '%s\n' "services: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
in_ci() { case "${CI:-}" in 1|true|TRUE|True|yes) return 0;; *) return 1;; esac; }
# Outside CI a problem only means the PostgreSQL tests skip; in CI it stops the run.
give_up() { if in_ci; then die "$*"; fi; say "$* — the PostgreSQL tests will be skipped"; exit 0; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

# Root, or a sudo that does not ask for a password (make test must never stop at a prompt).
can_install() {
    [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}

# One line for a machine where the packages cannot be installed: what to install, and what it costs.
cannot_install() {  # reason, missing packages...
    local reason="$1" pkg costs=() seen=" "
    shift
    for pkg in "$@"; do
        case "$seen" in *" ${LOSES[$pkg]:-?} "*) ;; *) costs+=("${LOSES[$pkg]:-some tests skip}"); seen+="${LOSES[$pkg]:-?} ";; esac
    done
    in_ci && die "CI needs these packages and cannot install them ($reason): $*"
    local joined
    joined="$(printf '%s; ' "${costs[@]}")"
    say "$reason, so install by hand: apt-get install $* — until then: ${joined%; }"
    ANNOUNCED=1   # the PostgreSQL step need not say again that it is missing
}

missing_packages() {
    local pkg missing=()
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    # `make install` needs make and a Python with venv + ensurepip (a separate package on Debian's python3).
    command -v make >/dev/null || missing+=(make)
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
    # The browser tests' tests/browser/setup.sh installs axe-core with npm (any Node.js with npm will do).
    if [ -f "$ROOT/tests/browser/package.json" ] && ! command -v npm >/dev/null; then missing+=(npm); fi
    echo "${missing[@]}"
}

packages() {
    if ! command -v dpkg-query >/dev/null; then
        in_ci && die "CI expects Debian (dpkg/apt); install by hand: ${PACKAGES[*]}"
        say "not a Debian system: install PostgreSQL, Chromium, Pango and npm yourself — until then the" \
            "PostgreSQL and browser tests skip and the PDF tests fail"
        return 0
    fi
    local missing
    missing="$(missing_packages)"
    if [ -z "$missing" ]; then
        say "system packages present"
        return 0
    fi
    if ! can_install; then
        # shellcheck disable=SC2086  # word splitting of the package list is wanted
        cannot_install "not root and no passwordless sudo" $missing
        return 0
    fi
    say "installing: $missing"
    # Debian's postinst scripts must not ask questions, and apt's own progress goes to stderr with the rest.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    # shellcheck disable=SC2086  # word splitting of the package list is wanted
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
    missing="$(missing_packages)"
    [ -z "$missing" ] || die "still missing after apt-get install: $missing"
    say "system packages installed"
}

# axe-core for the browser tests, exactly as tests/browser/package-lock.json pins it (npm ci), when it is
# missing or older than the lock file.
browser() {
    local dir="$ROOT/tests/browser"
    [ -f "$dir/package-lock.json" ] || return 0
    if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null; then
        in_ci && die "npm is missing: CI must run tests/browser/setup.sh"
        return 0    # `packages` has already said that npm is missing and what it costs
    fi
    say "installing the browser tests' npm packages (tests/browser/setup.sh)"
    bash "$dir/setup.sh" >&2 || { in_ci && die "tests/browser/setup.sh failed"; say "tests/browser/setup.sh failed: the axe-core checks skip"; }
}

# The newest PostgreSQL installed: Debian's /usr/lib/postgresql/<major>/bin, else pg_ctl on PATH.
pg_bindir() {
    local newest
    newest="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null \
              | sed 's|^/usr/lib/postgresql/||; s|/bin/pg_ctl$||' | sort -n | tail -1)"
    if [ -n "$newest" ]; then echo "/usr/lib/postgresql/$newest/bin"; return; fi
    if command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; fi
}

wait_ready() {  # host port: up to 30 s
    local tries=60
    while [ "$tries" -gt 0 ]; do
        "$BINDIR/pg_isready" -q -h "$1" -p "$2" && return 0
        sleep 0.5
        tries=$((tries - 1))
    done
    return 1
}

# Root: the Debian cluster <major>/$CLUSTER, run by the postgres user; the role is made through peer auth.
postgres_as_root() {
    local version="$1" port status
    command -v pg_lsclusters >/dev/null || give_up "pg_lsclusters not found (Debian's postgresql-common)"
    if ! pg_lsclusters -h "$version" "$CLUSTER" >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h "$version" "$CLUSTER")" ]; then
        say "creating cluster $version/$CLUSTER"
        pg_createcluster "$version" "$CLUSTER" >&2 || give_up "pg_createcluster $version $CLUSTER failed"
    fi
    read -r _ _ port status _ <<<"$(pg_lsclusters -h "$version" "$CLUSTER")"
    if [ "$status" != online ]; then
        say "starting PostgreSQL $version/$CLUSTER on port $port"
        pg_ctlcluster "$version" "$CLUSTER" start >&2 || give_up "pg_ctlcluster $version $CLUSTER start failed"
    fi
    wait_ready 127.0.0.1 "$port" || give_up "PostgreSQL $version/$CLUSTER does not answer on port $port"
    # From /, so psql run as postgres does not complain about a working directory it cannot enter.
    psql() { (cd / && runuser -u postgres -- "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres -tA "$@"); }
    if [ "$(psql -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
        say "creating role $ROLE (LOGIN CREATEDB)"
        psql -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
    else
        # An existing role may lack the privilege or have another password: make both what the URL says.
        psql -c "ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
    fi
    say "PostgreSQL $version/$CLUSTER ready on 127.0.0.1:$port (role $ROLE)"
    echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
}

# Another user: a private cluster this user owns (initdb refuses root, so root never comes here).
postgres_private() {
    local dir="${PAKAR_PG_DIR:-${TMPDIR:-/tmp}/pakar-pg-$(id -un)}" port="${PAKAR_PG_PORT:-54329}"
    if [ ! -s "$dir/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $dir"
        mkdir -p "$dir" && chmod 700 "$dir"
        local pwfile
        pwfile="$(mktemp)"
        printf '%s\n' "$PASSWORD" >"$pwfile"
        "$BINDIR/initdb" -D "$dir" -U "$ROLE" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 >&2 \
            || { rm -f "$pwfile"; give_up "initdb failed in $dir"; }
        rm -f "$pwfile"
    fi
    if ! "$BINDIR/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        say "starting the private cluster on 127.0.0.1:$port"
        "$BINDIR/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1" \
            start >&2 || give_up "the private cluster did not start (see $dir/server.log)"
    fi
    wait_ready 127.0.0.1 "$port" || give_up "the private cluster does not answer on port $port"
    say "PostgreSQL ready on 127.0.0.1:$port (private cluster in $dir; stop: $BINDIR/pg_ctl -D $dir stop)"
    echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
}

postgres() {
    if [ -n "${PAKAR_TEST_POSTGRES_URL:-}" ]; then
        say "using PAKAR_TEST_POSTGRES_URL from the environment"
        echo "$PAKAR_TEST_POSTGRES_URL"
        return 0
    fi
    BINDIR="$(pg_bindir)"
    if [ -z "$BINDIR" ]; then
        [ -n "${ANNOUNCED:-}" ] && ! in_ci && exit 0
        give_up "PostgreSQL is not installed"
    fi
    local version
    version="$("$BINDIR/pg_ctl" --version | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p')"   # "pg_ctl (PostgreSQL) 15.8" → 15
    if [ "$(id -u)" = 0 ]; then postgres_as_root "$version"; else postgres_private; fi
}

case "${1:-all}" in
    packages) packages ;;
    browser) browser ;;
    postgres) postgres ;;
    all) packages; browser; postgres ;;
    *) die "usage: $0 [packages|browser|postgres|all]" ;;
esac
