# Examples for semgrep/commonground.yml (`semgrep --test semgrep/`); never imported.
# ruff: noqa
import os
import pickle
import subprocess

from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt


# ruleid: no-csrf-exempt
@csrf_exempt
def webhook(request):
    return None


def page(request, cursor, table, log):
    # ruleid: mark-safe-outside-charts
    html = mark_safe("<b>" + request.GET["q"] + "</b>")
    # ruleid: resident-address-read-outside-its-doors
    address = request.META.get("REMOTE_ADDR")
    # ruleid: resident-address-read-outside-its-doors
    agent = request.META["HTTP_USER_AGENT"]
    # ruleid: sql-built-from-strings
    cursor.execute(f"SELECT * FROM report WHERE code = '{request.GET['code']}'")
    # ok: sql-built-from-strings
    cursor.execute("SELECT * FROM report WHERE code = %s", [request.GET["code"]])
    # ruleid: unsafe-deserialisation-or-shell
    pickle.loads(request.body)
    # ruleid: unsafe-deserialisation-or-shell
    subprocess.run("ls " + table, shell=True)
    # ok: unsafe-deserialisation-or-shell
    subprocess.run(["ls", table], check=True)
    # ruleid: logging-request-data
    log.info("lookup %s", request.POST["code"])
    # ok: logging-request-data
    log.info("lookup refused")
    return html, address, agent
