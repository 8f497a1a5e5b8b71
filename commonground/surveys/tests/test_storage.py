"""Someone holding the database finds no link from a response to the invitation it used, not even
in PostgreSQL's bookkeeping (each row's writing transaction, the order rows sit in the file),
once the tables are rewritten (nightly and when a wave closes)."""

import pytest
from django.db import connection, transaction

from commonground.surveys.models import Channel, Invitation, Recruitment, Response
from commonground.surveys.storage import rewrite_survey_tables
from commonground.surveys.tasks import rewrite_survey_tables as rewrite_task
from commonground.surveys.tests.factories import COMPLETE_ANSWERS, make_invitations, make_wave

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="xmin and table files are PostgreSQL's"
)


def _submit_each(wave, codes):
    from commonground.surveys.actions import submit_response

    for code in codes:
        submit_response(
            wave=wave,
            answers=dict(COMPLETE_ANSWERS),
            language="en",
            channel=Channel.WEB,
            recruitment=Recruitment.ADDRESS_SAMPLE,
            invitation_code=code,
        )


def _xmins(table: str) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {table}")  # noqa: S608
        return dict(cursor.fetchall())


def _physical_order(table: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY ctid")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_after_the_rewrite_no_response_shares_a_transaction_or_a_place_with_its_invitation():
    wave = make_wave()
    invitations = make_invitations(wave, per_district=3)
    used = invitations[:5]
    _submit_each(wave, [code for code, _ in used])

    # The attack the rewrite answers: each response was written by the transaction that marked
    # its invitation used, so matching xmin pairs them.
    responses, invites = _xmins("surveys_response"), _xmins("surveys_invitation")
    used_xmins = {invites[inv.pk] for _, inv in used}
    assert set(responses.values()) == used_xmins
    assert _physical_order("surveys_response") != sorted(responses)

    assert "surveys_response" in rewrite_survey_tables()

    responses, invites = _xmins("surveys_response"), _xmins("surveys_invitation")
    answers = _xmins("surveys_answer")
    # One transaction wrote every row: nothing pairs one response with one invitation.
    assert len(set(responses.values()) | set(invites.values()) | set(answers.values())) == 1
    # Rows sit in the order of their keys: random for responses, not the order they came in.
    assert _physical_order("surveys_response") == sorted(responses)
    assert _physical_order("surveys_invitation") == sorted(invites)
    # Nothing was lost or changed.
    assert Response.objects.count() == 5
    assert Invitation.objects.filter(used=True).count() == 5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_rewrite_refuses_to_run_inside_a_transaction_where_it_would_keep_old_versions():
    with transaction.atomic(), pytest.raises(RuntimeError, match="outside any transaction"):
        rewrite_survey_tables()


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_on_either_database_and_keeps_every_response():
    wave = make_wave()
    _submit_each(wave, [code for code, _ in make_invitations(wave, per_district=1)[:2]])
    tables = rewrite_task.call()
    assert Response.objects.count() == 2
    # SQLite keeps rows in key order and no transaction ids: nothing to rewrite.
    assert bool(tables) == (connection.vendor == "postgresql")


def test_the_rewrite_runs_every_night():
    from django.conf import settings

    assert "commonground.surveys.tasks.rewrite_survey_tables" in settings.DAILY_TASKS


@pytest.mark.django_db
def test_closing_a_wave_queues_the_rewrite_at_once(analyst, django_capture_on_commit_callbacks):
    from commonground.surveys.actions import transition_wave
    from commonground.surveys.models import WaveStatus

    wave = make_wave()
    with django_capture_on_commit_callbacks() as callbacks:
        transition_wave(wave=wave, to=WaveStatus.CLOSED, by=analyst)
    assert rewrite_task.enqueue in callbacks
