"""Extension instances, created unbound; ``create_app`` calls ``init_app`` on each."""

from flask_alembic import Alembic
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from catalogue.db import Base, db
from catalogue.permissions import AnonymousActor

alembic = Alembic(metadatas=Base.metadata)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.anonymous_user = AnonymousActor
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["alembic", "babel", "csrf", "db", "limiter", "login_manager"]
