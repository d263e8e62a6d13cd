"""The staff forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from webui.staff.roles import LABELS, ROLES


def role_choices():
    """The roles as checkboxes, labelled in the page's language."""
    return [SelectChoice(value=role, label=LABELS[role]) for role in ROLES]


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class NewAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    roles = MultiCheckbox(_l("Roles"), choices=role_choices())
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), Length(max=1024)])


class RolesForm(FlaskForm):
    roles = MultiCheckbox(_l("Roles"), choices=role_choices())


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), Length(max=1024)])


class ActiveForm(FlaskForm):
    """Disable or enable an account (a button; ``active`` is the state asked for)."""

    active = BooleanField()


class ActionForm(FlaskForm):
    """A form that is only a button (log out): its CSRF token is all it carries."""
