#!/bin/sh
# The container's entry point (Dockerfile, compose.yaml): the production server of `make serve`
# (python -m webui.serving: the database migrated, then nginx in front of gunicorn), its instance folder the
# working directory (the image's /usr/local/var/webui-instance: SQLite, logs/, run/).
#
#   entrypoint.sh            # migrate, then serve (the default)
#   entrypoint.sh migrate    # only migrate
#   entrypoint.sh CMD ...    # run CMD instead (e.g. `pakar kb check`, `flask --app webui purge`)
#
# DATABASE_URL and PAKAR_SECRET_KEY are required; PAKAR_BIND (nginx's address, default 0.0.0.0:8000) and
# WEB_CONCURRENCY (gunicorn workers, default 2) are optional; every other PAKAR_* setting reaches the app
# (README, Configuration). The database may still be starting: the migration is retried for PAKAR_DB_WAIT
# seconds (default 30). No access log: result URLs are receipts. `docker kill -s HUP` reloads the KB.
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
        # Production migrates once, not in each worker at start.
        export PAKAR_AUTO_MIGRATE="${PAKAR_AUTO_MIGRATE:-false}"
        if [ "${1:-serve}" = migrate ]; then
            migrate
            exit 0
        fi
        bind="${PAKAR_BIND:-0.0.0.0:8000}"
        # The server migrates first (retrying while the database starts). Behind another reverse proxy,
        # PAKAR_PROXY_COUNT=1 counts it; the server's own nginx is added to that.
        exec python -m webui.serving --instance "$PWD" --host "${bind%:*}" --port "${bind##*:}" \
            --db-wait "${PAKAR_DB_WAIT:-30}"
        ;;
    *)
        exec "$@"
        ;;
esac
