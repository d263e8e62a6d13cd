#!/usr/bin/env bash
# What the tests need outside Python: system packages and a PostgreSQL server with a role that can create
# databases. Used by .ci/run (CI) and by `make test` (developer machines).
#
#   .ci/services.sh packages   # CI=true: apt-get install what is missing; otherwise only say what is missing
#                              # (PostgreSQL, Chromium, WeasyPrint's libraries, npm for the browser tests)
#   .ci/services.sh postgres   # start PostgreSQL if needed; print its URL on stdout (nothing when unavailable)
#   .ci/services.sh            # both
#
# Messages go to stderr, so `url="$(.ci/services.sh postgres)"` captures only the URL. In CI (CI=true) every
# problem is fatal; elsewhere a missing PostgreSQL prints a note and the PostgreSQL tests skip.
# Idempotent: when everything is already installed and running it only checks, in well under a second.
#
# As root (CI, containers) it uses Debian's cluster tools: the newest installed PostgreSQL major version,
# its cluster "main" (created when missing), started as the postgres user by pg_ctlcluster, and a role
# pakar/pakar with CREATEDB. As another user it runs a private cluster owned by that user (initdb + pg_ctl)
# in $PAKAR_PG_DIR (default: $TMPDIR/pakar-pg-$USER) on port $PAKAR_PG_PORT (default 54329), so no sudo is
# needed. PAKAR_TEST_POSTGRES_URL, when already set, is used as it is.
set -euo pipefail

PACKAGES=(
    postgresql                      # the second database backend of the web tests
    chromium                        # browser tests drive /usr/bin/chromium
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint (PDF reports)
    fonts-dejavu-core               # a font, so PDFs carry real text
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
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
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
        say "not a Debian system: install PostgreSQL and Chromium yourself if you want every test to run"
        return 0
    fi
    local missing
    missing="$(missing_packages)"
    if [ -z "$missing" ]; then
        say "system packages present"
        return 0
    fi
    if ! in_ci; then
        say "not installed: $missing (CI installs them; the tests that need them skip here)"
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

# The newest PostgreSQL installed: Debian's /usr/lib/postgresql/<major>/bin, else pg_ctl on PATH.
pg_bindir() {
    local newest
    newest="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null \
              | sed 's|^/usr/lib/postgresql/||; s|/bin/pg_ctl$||' | sort -n | tail -1)"
    if [ -n "$newest" ]; then echo "/usr/lib/postgresql/$newest/bin"; return; fi
    if command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; fi
}

wait_ready() {  # host port
    local i
    for i in $(seq 1 60); do
        "$BINDIR/pg_isready" -q -h "$1" -p "$2" && return 0
        sleep 0.5
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
    [ -n "$BINDIR" ] || give_up "PostgreSQL is not installed"
    local version
    version="$("$BINDIR/pg_ctl" --version | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p')"   # "pg_ctl (PostgreSQL) 15.8" → 15
    if [ "$(id -u)" = 0 ]; then postgres_as_root "$version"; else postgres_private; fi
}

case "${1:-all}" in
    packages) packages ;;
    postgres) postgres ;;
    all) packages; postgres ;;
    *) die "usage: $0 [packages|postgres|all]" ;;
esac
