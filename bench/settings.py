"""The portal's settings plus the bench's app (a no-op task, a template).

Only the bench uses this module (DJANGO_SETTINGS_MODULE=bench.settings). The
bench-only URLs exist only when BENCH_BASELINE=1 as well, so production, which
runs portal.settings, has no such URL.
"""

from __future__ import annotations

import os

from portal.settings import *  # noqa: F403
from portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

if os.environ.get("BENCH_BASELINE") == "1":
    ROOT_URLCONF = "bench.urls"
