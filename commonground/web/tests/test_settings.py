import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from commonground.lib.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-secret-" + "x" * 30,
    "ALLOWED_HOSTS": "commonground.example.org",
    "DEBUG": "False",
    "SECURE_SSL_REDIRECT": "True",
    "SECURE_COOKIES": "True",
    "SECURE_HSTS_SECONDS": "31536000",
    "ENCRYPTION_KEYS": "nCM6Jp5nLq6D8x1f3y0oJ7xWmQeHnV9oFyHqg3yE0xM=",
    "TRACKING_CODE_SECRET": "t" * 40,
}


def check_deploy(variables: dict, tmp_path) -> subprocess.CompletedProcess:
    """`check --deploy` in a fresh process with only these production variables set."""
    unset = {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(variables, DATA_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = check_deploy(PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_the_embedded_secret(tmp_path):
    result = check_deploy({k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["true", "1", "yes", ""])
def test_booleans_must_be_spelled_true_or_false(monkeypatch, value):
    monkeypatch.setenv("SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be True or False"):
        env_bool("SOME_FLAG", False)


def test_helpers_read_numbers_lists_and_files(monkeypatch, tmp_path):
    monkeypatch.setenv("SOME_NUMBER", "12")
    assert env_int("SOME_NUMBER", 0) == 12
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 0)
    monkeypatch.setenv("SOME_LIST", "a, b,,c")
    assert env_list("SOME_LIST", []) == ["a", "b", "c"]
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    from commonground.lib.env import env

    assert env("SOME_SECRET") == "from-a-file"


def test_every_response_carries_a_strict_content_security_policy(client, db):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_residents_get_no_lasting_cookie(client, db):
    """Only what the form needs, and only until the browser closes."""
    from commonground.complaints.tests.test_intake_views import walk_to
    from commonground.web.resident import RESIDENT_COOKIE_NAME

    client.get("/en/report/")
    walk_to(client, "what")
    cookies = client.cookies
    # Residents' pages keep their session under a cookie of their own (web.resident).
    assert set(cookies) <= {"csrftoken", RESIDENT_COOKIE_NAME}
    for cookie in cookies.values():
        assert not cookie["max-age"] and not cookie["expires"], cookie.key
        assert cookie["httponly"], cookie.key
        assert cookie["samesite"] == "Lax", cookie.key


def test_the_wsgi_application_loads_every_view_before_its_first_request(tmp_path):
    # So a worker forked from gunicorn's --preload, or just started, answers its first resident
    # at once: importing the views takes seconds.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, commonground.wsgi; "
            "print('commonground.complaints.views_public' in sys.modules, "
            "'commonground.publish.api' in sys.modules)",
        ],
        cwd=ROOT,
        env={**env, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.split() == ["True", "True"]
