# Pakar's web app as in the README's production set-up (`make serve`): nginx on port 8000 in front of gunicorn,
# PostgreSQL through DATABASE_URL, the database migrated before the servers start. `docker compose up`
# (compose.yaml) runs it with a PostgreSQL beside it.

# --- build: the wheel, with the translation catalogues compiled into it (setup.py) ---------------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
# The build tools at the lock's versions (no isolated build environment with whatever is newest).
RUN python -m pip install --no-cache-dir --disable-pip-version-check --constraint constraints.txt \
        setuptools wheel babel \
    && python -m pip wheel --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation \
        --wheel-dir /wheels .

# --- runtime ----------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (the PDF report) and a font for it, and nginx (the front server; it runs as the
# pakar user with everything it writes in the instance folder's run/).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core nginx \
    && rm -rf /var/lib/apt/lists/*

# Exact versions from the lock. Experta in two steps: its own pin (frozendict==1.2) breaks on Python 3.11.
COPY constraints.txt /tmp/constraints.txt
RUN python -m pip install --constraint /tmp/constraints.txt 'frozendict>=2.3' 'schema>=0.7' \
    && python -m pip install --constraint /tmp/constraints.txt --no-deps experta==1.9.4
COPY --from=build /wheels /tmp/wheels
RUN python -m pip install --constraint /tmp/constraints.txt "$(ls /tmp/wheels/pakar-*.whl)[pdf,postgres]" \
    && rm -rf /tmp/wheels /tmp/constraints.txt

# A user of its own; Flask's instance folder of an installed package (/usr/local/var/webui-instance) is the
# only place it writes to.
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin pakar \
    && mkdir -p /usr/local/var/webui-instance \
    && chown pakar /usr/local/var/webui-instance
COPY docker/entrypoint.sh /usr/local/bin/pakar-entrypoint
USER pakar
WORKDIR /usr/local/var/webui-instance

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["pakar-entrypoint"]
CMD ["serve"]
