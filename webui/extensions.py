"""Flask extensions, created unbound and bound to an app in :func:`init_app`."""

from __future__ import annotations

import os

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The declarative base of Pakar's models (SQLAlchemy 2 style)."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=os.path.join(os.path.dirname(__file__), "migrations"))
csrf = CSRFProtect()


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
