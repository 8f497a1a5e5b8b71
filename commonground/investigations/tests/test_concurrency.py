"""Two people editing one case: no update is ever lost, whatever the interleaving; the one who
read an older version is refused with a message saying so (StaleCase), and nothing of theirs is
half-saved."""

import threading

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.investigations.actions import StaleCase, assign_investigator
from commonground.investigations.models import Case
from commonground.investigations.tests.helpers import triaged_case

EDITORS = 3


def interleavings():
    """Each editor reads the case, then writes what they decided; in any order."""
    steps = [(e, "read") for e in range(EDITORS)] + [(e, "write") for e in range(EDITORS)]
    return st.permutations(steps).filter(
        lambda order: all(
            order.index((e, "read")) < order.index((e, "write")) for e in range(EDITORS)
        )
    )


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=interleavings())
def test_no_interleaving_of_two_editors_loses_an_update(supervisor, order):
    with transaction.atomic():
        case = triaged_case(supervisor)
        investigators = [
            make_staff(f"inv-{e}-{case.pk}", Role.INVESTIGATOR) for e in range(EDITORS)
        ]
        seen, current, winners = {}, case.version, []
        for editor, step in order:
            if step == "read":
                seen[editor] = Case.objects.get(pk=case.pk).version
                continue
            stale_copy = Case.objects.get(pk=case.pk)
            if seen[editor] == current:
                assign_investigator(
                    case=stale_copy,
                    investigator=investigators[editor],
                    by=supervisor,
                    version=seen[editor],
                )
                current += 1
                winners.append(editor)
            else:
                before = Case.objects.get(pk=case.pk)
                with pytest.raises(StaleCase, match="Someone else changed this case"):
                    assign_investigator(
                        case=stale_copy,
                        investigator=investigators[editor],
                        by=supervisor,
                        version=seen[editor],
                    )
                after = Case.objects.get(pk=case.pk)
                assert (after.investigator_id, after.version) == (
                    before.investigator_id,
                    before.version,
                )
        final = Case.objects.get(pk=case.pk)
        # The one who read first always wins; the case holds the last successful writer's choice.
        assert winners and winners[0] == next(e for e, s in order if s == "write")
        assert final.investigator == investigators[winners[-1]]
        assert final.version == current
        assigned = AuditEvent.objects.filter(action="case.assign", target_id=str(case.pk))
        assert [e.data["investigator"] for e in assigned] == [investigators[w].pk for w in winners]
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_of_many_simultaneous_edits_from_the_same_version_exactly_one_is_saved(supervisor):
    case = triaged_case(supervisor)
    version = Case.objects.get(pk=case.pk).version
    writers = 8
    investigators = [make_staff(f"inv-t{e}", Role.INVESTIGATOR) for e in range(writers)]
    start = threading.Barrier(writers)
    results = [None] * writers

    def edit(n):
        try:
            start.wait()
            assign_investigator(
                case=Case.objects.get(pk=case.pk),
                investigator=investigators[n],
                by=supervisor,
                version=version,
            )
            results[n] = "saved"
        except StaleCase:
            results[n] = "stale"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["saved"] + ["stale"] * (writers - 1)
    winner = results.index("saved")
    final = Case.objects.get(pk=case.pk)
    assert final.investigator == investigators[winner]
    assert final.version == version + 1
    assert AuditEvent.objects.filter(action="case.assign").count() == 1
