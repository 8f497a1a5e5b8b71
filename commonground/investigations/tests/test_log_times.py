"""An investigative-log entry keeps the time it was given, and no time when none was given."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from commonground.investigations.actions import add_log_entry
from commonground.investigations.models import LogEntry
from commonground.investigations.tests.helpers import case_under_investigation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]

NOW = datetime.datetime(2026, 3, 12, 15, 0, tzinfo=datetime.UTC)


def post_log(client, report, **fields):
    data = {"kind": "note", "occurred_on": "2026-03-10", "summary": "Checked the roster."}
    data.update(fields)
    return client.post(
        f"/en/staff/cases/{report.pk}/do/log/",
        {f"log-{k}": v for k, v in data.items()},
    )


@time_machine.travel(NOW, tick=False)
def test_an_entry_saved_without_a_time_has_no_time_and_says_so(client, supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    client.force_login(investigator)
    assert post_log(client, case.report, occurred_time="").status_code == 302
    entry = LogEntry.objects.get(case=case)
    assert entry.occurred_on == datetime.date(2026, 3, 10)
    assert entry.occurred_at is None
    page = client.get(f"/en/staff/cases/{case.report.pk}/").content.decode()
    assert "2026-03-10" in page
    assert "time not recorded" in page
    assert "12:00" not in page
    spanish = client.get(f"/es/staff/cases/{case.report.pk}/").content.decode()
    assert "hora no registrada" in spanish


@time_machine.travel(NOW, tick=False)
def test_an_entry_saved_with_a_time_keeps_it(client, supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    client.force_login(investigator)
    assert post_log(client, case.report, occurred_time="09:30").status_code == 302
    entry = LogEntry.objects.get(case=case)
    assert timezone.localtime(entry.occurred_at).time() == datetime.time(9, 30)
    assert entry.occurred_on == datetime.date(2026, 3, 10)
    page = client.get(f"/en/staff/cases/{case.report.pk}/").content.decode()
    assert "2026-03-10 09:30" in page
    assert "time not recorded" not in page


@time_machine.travel(NOW, tick=False)
def test_a_time_later_today_is_refused_next_to_the_time_and_the_entry_is_kept(
    client, supervisor, investigator
):
    case = case_under_investigation(supervisor, investigator)
    client.force_login(investigator)
    today = timezone.localdate().isoformat()
    later = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%H:%M")
    response = post_log(client, case.report, occurred_on=today, occurred_time=later)
    assert response.status_code == 400
    assert response.context["forms"]["log"].errors["occurred_time"]
    assert "Checked the roster." in response.content.decode()
    assert not LogEntry.objects.filter(case=case).exists()


@time_machine.travel(NOW, tick=False)
def test_entries_are_in_date_order_with_the_untimed_ones_first_on_their_day(
    supervisor, investigator
):
    case = case_under_investigation(supervisor, investigator)
    local = timezone.get_current_timezone()

    def at(day, hour):
        return datetime.datetime(2026, 3, day, hour, tzinfo=local)

    add_log_entry(case=case, kind="note", summary="b", occurred_at=at(10, 9), by=investigator)
    add_log_entry(case=case, kind="note", summary="c", occurred_at=at(10, 16), by=investigator)
    add_log_entry(
        case=case,
        kind="note",
        summary="a",
        occurred_on=datetime.date(2026, 3, 10),
        by=investigator,
    )
    add_log_entry(case=case, kind="note", summary="0", occurred_at=at(9, 23), by=investigator)
    add_log_entry(
        case=case,
        kind="note",
        summary="d",
        occurred_on=datetime.date(2026, 3, 11),
        by=investigator,
    )
    assert [e.summary for e in case.log.all()] == ["0", "a", "b", "c", "d"]


@time_machine.travel(NOW, tick=False)
def test_an_entry_without_date_or_time_happened_now(supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    entry = add_log_entry(case=case, kind="note", summary="x", by=investigator)
    assert entry.occurred_at == NOW
    assert entry.occurred_on == timezone.localdate()
