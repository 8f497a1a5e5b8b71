"""The same report sent fifty times at once (a double tap, a retrying phone, a proxy resending)
is filed once: the submission token is the idempotency key, on SQLite and PostgreSQL alike."""

import threading

import pytest
from django.db import connection
from django.test import Client

from commonground.audit.models import AuditEvent
from commonground.complaints import tracking
from commonground.complaints.actions import file_report
from commonground.complaints.models import Report
from commonground.complaints.tests.factories import report_input
from commonground.complaints.tests.test_intake_views import code_in, walk_to

pytestmark = pytest.mark.django_db(transaction=True)
SENDERS = 50


def all_at_once(work) -> list:
    start = threading.Barrier(SENDERS)
    results = [None] * SENDERS

    def run(n):
        try:
            start.wait()
            results[n] = work(n)
        except Exception as error:  # reported below, with the others
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    return results


def test_fifty_simultaneous_filings_with_one_token_make_one_report():
    token = tracking.new_submission_token()
    results = all_at_once(lambda n: file_report(data=report_input(), submission_token=token))

    assert Report.objects.count() == 1
    assert sum(filed.created for filed in results) == 1
    assert {filed.report.pk for filed in results} == {Report.objects.get().pk}
    assert {filed.tracking_code for filed in results} == {results[0].tracking_code}
    assert AuditEvent.objects.filter(action="report.file").count() == 1


def test_fifty_simultaneous_posts_of_the_form_make_one_report_and_show_everyone_its_code():
    browser = Client()
    walk_to(browser, "what")
    review = browser.get("/en/report/review/").content.decode()
    token = review.split('name="submission_token" value="')[1].split('"')[0]

    def post(n):
        client = Client()
        client.cookies = browser.cookies
        return client.post("/en/report/submit/", {"submission_token": token}, follow=True)

    responses = all_at_once(post)

    assert {r.status_code for r in responses} == {200}
    assert Report.objects.count() == 1
    assert len({code_in(r) for r in responses}) == 1
    assert AuditEvent.objects.filter(action="report.file").count() == 1
