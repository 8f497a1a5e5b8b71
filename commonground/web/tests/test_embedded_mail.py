"""`make run` (the embedded default: no EMAIL_* variables) keeps mail out of the server's log.
Messages carry tracking codes and residents' addresses; the default writes each to a file in a
folder that only the server's account (and root) can open, where an administrator reads it."""

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CODE, ADDRESS = "7K3M-Q9XW-T2RB-84HN", "12 Elm Street, Apt 4"

SEND = f"""
from django.core.mail import send_mail
send_mail("Your tracking code", "Your code is {CODE}. We will write to {ADDRESS}.",
          None, ["resident@example.org"])
"""


def test_mail_under_the_embedded_default_goes_to_a_private_folder_not_the_log(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="commonground.settings")
    sent = subprocess.run(  # noqa: S603 (our own script, a constant)
        [sys.executable, "manage.py", "shell", "--no-startup", "-c", SEND],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sent.returncode == 0, sent.stderr
    for marker in (CODE, ADDRESS, "resident@example.org"):
        assert marker not in sent.stdout + sent.stderr, marker

    folder = tmp_path / "mail"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (message,) = folder.iterdir()
    assert CODE in message.read_text() and ADDRESS in message.read_text()
