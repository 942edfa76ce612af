"""The environment the test suite runs in, set before Django's settings load.

Loaded as a pytest plugin (`-p` in pyproject.toml): pytest-django reads the
settings before any conftest.py. With DEBUG off, as in production, the settings
refuse the development key, so the suite and every process it starts get a key
of their own unless the environment gives one.
"""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
