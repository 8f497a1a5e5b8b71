"""The data steps of the migrations behind the case search and the log's times, on rows written
before them."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from commonground.complaints.models import InvolvedPerson, Report, name_index
from commonground.complaints.tests.factories import file
from commonground.investigations.actions import add_log_entry
from commonground.investigations.models import LogEntry
from commonground.investigations.tests.helpers import case_under_investigation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def migration(app, name):
    return importlib.import_module(f"commonground.{app}.migrations.{name}")


def test_names_filed_before_the_index_are_indexed_by_the_migration():
    report = file(contact={"name": "Ana Ruiz"}).report
    Report.objects.update(reporter_name_index="")
    InvolvedPerson.objects.update(name_index="")
    migration("complaints", "0003_name_blind_index").index_existing_names(apps, None)
    assert Report.objects.get(pk=report.pk).reporter_name_index == name_index("ana ruiz")
    witness = InvolvedPerson.objects.get(report=report)
    assert witness.name_index == name_index(witness.details["name"])


@time_machine.travel(datetime.datetime(2026, 3, 12, 15, tzinfo=datetime.UTC), tick=False)
def test_the_log_migration_takes_each_entrys_day_in_the_agencys_time_zone(supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    day = datetime.date(2026, 3, 11)
    # Half past eleven at night is already the next day in UTC where the agency is (Chicago).
    late = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 30)))
    entry = add_log_entry(case=case, kind="note", summary="x", occurred_at=late, by=investigator)
    LogEntry.objects.update(occurred_on=datetime.date(2000, 1, 1))
    migration("investigations", "0005_log_time_not_recorded_is_no_time").days_from_moments(
        apps, None
    )
    assert LogEntry.objects.get(pk=entry.pk).occurred_on == day
