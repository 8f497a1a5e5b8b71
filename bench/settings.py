"""Settings for `python -m bench.run`: the project's settings with a database of its own.

The benchmark database (100,000 seeded reports) lives in BENCH_DATA_DIR (default: bench/ in
DATA_DIR, so var/bench), apart from the development database, and is reused by the next run.
"""

import os
from pathlib import Path

from commonground.settings import *  # noqa: F403
from commonground.settings import DATA_DIR

BENCH_DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", str(DATA_DIR / "bench")))
BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)

# Always the embedded default (SQLite, WAL, immediate transactions), whatever DATABASE_URL says:
# the benchmark seeds 100,000 rows and must not write them into a development database.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BENCH_DATA_DIR / "bench.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }
}
MEDIA_ROOT = BENCH_DATA_DIR / "media"
STATIC_ROOT = BENCH_DATA_DIR / "static"

ROOT_URLCONF = "bench.urls"

# The limiter still runs on every lookup (its cost is part of the measurement); it never trips.
TRACKING_LOOKUP_RATE = "1000000/1m"

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.server": {"handlers": [], "propagate": False}},
}
