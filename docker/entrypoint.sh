#!/bin/sh
# The container's entry point (Dockerfile, compose.yaml), and the README's production set-up in one script:
# migrate the database (`flask --app webui db upgrade`), then serve the app with gunicorn.
#
#   entrypoint.sh            # migrate, then serve (the default)
#   entrypoint.sh migrate    # only migrate
#   entrypoint.sh CMD ...    # run CMD instead (e.g. `pakar kb check`, `flask --app webui purge`)
#
# DATABASE_URL and PAKAR_SECRET_KEY are required; PAKAR_BIND (default 0.0.0.0:8000) and WEB_CONCURRENCY
# (gunicorn workers, default 2) are optional; every other PAKAR_* setting reaches the app (README,
# Configuration). The database may still be starting: the migration is retried for PAKAR_DB_WAIT seconds
# (default 30). gunicorn's access log stays off: result URLs are receipts.
set -eu

fail() { echo "entrypoint: $*" >&2; exit 2; }

migrate() {
    waited=0
    until flask --app webui db upgrade; do
        waited=$((waited + 2))
        [ "$waited" -lt "${PAKAR_DB_WAIT:-30}" ] || fail "the database migration failed for ${PAKAR_DB_WAIT:-30}s; giving up"
        echo "entrypoint: the database is not ready yet; retrying in 2s" >&2
        sleep 2
    done
}

case "${1:-serve}" in
    serve|migrate)
        [ -n "${DATABASE_URL:-}" ] || fail "set DATABASE_URL (e.g. postgresql://pakar:secret@db/pakar)"
        [ -n "${PAKAR_SECRET_KEY:-}" ] || fail "set PAKAR_SECRET_KEY (a long random string, e.g. from: openssl rand -hex 32)"
        # Production migrates here, once, not in each worker at start.
        export PAKAR_AUTO_MIGRATE="${PAKAR_AUTO_MIGRATE:-false}"
        migrate
        [ "${1:-serve}" = serve ] || exit 0
        # Behind a reverse proxy, PAKAR_PROXY_COUNT=1 makes the app trust its X-Forwarded-* headers.
        exec gunicorn --workers "${WEB_CONCURRENCY:-2}" --bind "${PAKAR_BIND:-0.0.0.0:8000}" 'webui:create_app()'
        ;;
    *)
        exec "$@"
        ;;
esac
