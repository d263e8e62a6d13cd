"""Pakar's web app: public pages, the two consultations, stored results and the JSON API.

``create_app`` follows Flask's tutorial (flaskr): defaults from :mod:`webui.config`, then the instance
folder's ``config.py``, then ``PAKAR_*`` environment variables (and ``DATABASE_URL``). The app never
imports Experta: it calls :mod:`kb` and :mod:`rules` through :mod:`webui.knowledge`.

    flask --app webui run                       # development
    gunicorn -w 2 'webui:create_app()'          # production
"""

from __future__ import annotations

import os

from flask import Flask

from webui import config


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build a configured app; ``test_config`` replaces the instance config and environment (tests)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("PAKAR")
        config.apply_database_url(app.config, os.environ.get("DATABASE_URL"))
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    from webui import publicurl  # PUBLIC_URL: receipt links never follow the Host header

    publicurl.init_app(app)
    if app.config.get("PROXY_COUNT"):
        # Behind a reverse proxy, receipt URLs must carry the public scheme and host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        # Flask's documented way to wrap the WSGI app (mypy reads the assignment as replacing a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_prefix=count
        )
    config.ensure_secret_key(app)

    from webui import (
        api,
        commands,
        diagnosis,
        errorpages,
        extensions,
        i18n,
        knowledge,
        pages,
        results,
        screening,
        security,
        store,
        templating,
    )

    extensions.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    store.init_app(app)
    knowledge.init_app(app)  # after store: the KB versions live in the database store.init_app migrates
    commands.init_app(app)
    from webui import kbcommands  # flask kb reload; other KB commands join its group

    kbcommands.init_app(app)
    from webui import kbimpact  # flask kb impact VERSION

    kbimpact.init_app(app)
    errorpages.init_app(app)

    app.register_blueprint(pages.bp)
    app.register_blueprint(screening.bp)
    app.register_blueprint(diagnosis.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(api.bp)
    from webui import staff  # staff accounts, login, dashboard, audit log; the staff API's tokens

    staff.init_app(app)
    from webui.staff import kbapi  # the staff API of KB versions (/api/v1/kb/versions)

    kbapi.init_app(app)
    from webui import health  # /healthz, for container health checks and load balancers

    app.register_blueprint(health.bp)
    from webui import limits  # rate limits per client; after the blueprints (it names their views)

    limits.init_app(app)
    return app
