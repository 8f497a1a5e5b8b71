"""The objects the permission tables are checked against (one of each kind a staff URL names)."""

import pytest
from django.utils import timezone

from commonground.accounts.models import Role as R
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff
from commonground.investigations.actions import close_case
from commonground.investigations.tests.helpers import case_at_board, triaged_case
from commonground.oversight.actions import add_to_agenda, schedule_meeting


@pytest.fixture
def objects(supervisor, tmp_path):
    from commonground.early_warning.actions import run_detectors
    from commonground.early_warning.tests.helpers import complaint_about, three_complaints_rule
    from commonground.evidence.tests.helpers import footage
    from commonground.stops.tests.helpers import import_file, stop_row, write_csv
    from commonground.stops.tests.test_use_of_force import force_row
    from commonground.training.tests.helpers import policy_draft

    _, _, _, officers = agency_with_officers(1)
    importer = make_staff("an-m", R.ANALYST)
    rejected = import_file(write_csv(tmp_path / "s.csv", [stop_row(district="D9")]), importer)
    force = [force_row(district="D1", officer_id=officers[0].badge_number, lat="", lng="")]
    import_file(write_csv(tmp_path / "u.csv", force), importer, kind="use_of_force")
    incident = rejected.__class__.objects.get(kind="use_of_force").incidents.get()
    for _ in range(3):
        complaint_about(officers[0])
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    item = footage(make_staff("cust-m", R.EVIDENCE_CUSTODIAN), worn_by=officers[0])
    referred = triaged_case(supervisor)
    close_case(
        case=referred, outcome="referred", reason="County", referred_to="County", by=supervisor
    )
    at_board = case_at_board(supervisor, make_staff("inv-m", R.INVESTIGATOR))
    draft = policy_draft(make_staff("pol-m", R.TRAINING_COORDINATOR))
    staff = make_staff("bs-m", R.BOARD_STAFF)
    meeting = schedule_meeting(title="M", starts_at=timezone.now(), by=staff)
    (review,) = add_to_agenda(meeting=meeting, cases=[at_board], by=staff)
    letter = _letter_to_post(supervisor)
    return {
        "correspondence:task_detail": [letter.pk],
        "correspondence:letter_pdf": [letter.pk],
        "correspondence:record_call": [letter.pk],
        "correspondence:letter_posted": [letter.pk],
        "correspondence:letter_returned": [letter.pk],
        "oversight:meeting_detail": [meeting.pk],
        "oversight:review_detail": [review.pk],
        "oversight:case_reviews": [at_board.report_id],
        "investigations:case_detail": [file().report.pk],
        "investigations:referral_letter": [referred.report_id],
        "investigations:queue": ["overdue"],
        "roster:officer_detail": [officers[0].pk],
        "stops:batch_detail": [rejected.pk],
        "stops:batch_report": [rejected.pk],
        "stops:incident_detail": [incident.pk],
        "early_warning:alert_detail": [alert.pk],
        "early_warning:officer_record": [officers[0].pk],
        "training:policy_detail": [draft.policy_id],
        "training:version_new": [draft.policy_id],
        "training:version_edit": [draft.pk],
        **{
            f"evidence:{name}": [item.uuid]
            for name in ("item_detail", "content", "custody_report", "custody_report_pdf")
        },
    }


def _letter_to_post(supervisor):
    """A letter for a resident who chose post, raised by a real milestone."""
    from django.test import TestCase

    from commonground.correspondence.models import ContactTask
    from commonground.correspondence.tests.helpers import case_for
    from commonground.investigations.actions import route_case

    case = case_for(supervisor, "mail")
    # The milestone's notice is a task queued when the routing commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        route_case(case=case, to="mediation", by=supervisor)
    return ContactTask.objects.get(report=case.report)


# --- results: a wave with a finished weighting run, for the results pages -------------------
_objects_before_results = objects


@pytest.fixture
def objects(_objects_before_results):
    from commonground.surveys.actions import run_weighting
    from commonground.surveys.tests import results_factories

    wave, _districts = results_factories.weighted_wave_setup(per_district=(30, 30, 30, 30, 3))
    run_weighting(wave=wave, by=make_staff("an-results", R.ANALYST), synchronous=True)
    return {
        **_objects_before_results,
        **{
            f"surveys:{name}": [wave.pk]
            for name in ("results_wave", "results_csv", "results_weigh")
        },
    }


# --- phone: a wave with a phone sample, for the phone and paper pages ------------------------

phone_objects_before = objects


@pytest.fixture
def objects(phone_objects_before):
    from commonground.surveys.models import PhoneCase
    from commonground.surveys.tests.phone_helpers import phone_wave

    wave, cases = phone_wave(make_staff("phone-sampler", R.ANALYST))
    # A finished case: nobody can take it, so its pages answer 404 to every interviewer, even
    # one who has just taken another case through phone_next.
    PhoneCase.objects.filter(pk=cases[0].pk).update(status="final", disposition="2.11")
    return {
        **phone_objects_before,
        **{
            f"surveys:{name}": [cases[0].pk]
            for name in ("phone_case", "phone_call", "phone_hand_back", "phone_interview")
        },
        **{
            f"surveys:{name}": [wave.pk]
            for name in (
                "phone_sample",
                "phone_max_attempts",
                "phone_erase",
                "phone_next",
                "paper_entry",
            )
        },
    }


# --- sample: an address list, a wave with its sample, a wave without one -------------------

_objects_before_sample = objects


@pytest.fixture
def objects(_objects_before_sample):
    from commonground.surveys.tests.sample_helpers import sampled_wave

    frame, wave, sample, unsampled = sampled_wave()
    return {
        **_objects_before_sample,
        "surveys:sample_frame_detail": [frame.pk],
        "surveys:sample_draw": [unsampled.pk],
        "surveys:sample_open_link": [wave.pk],
        "surveys:sample_detail": [sample.pk],
        "surveys:sample_letters": [sample.pk],
    }


# --- form: a survey with a questionnaire (a question, a list) and a draft wave --------------


def _form_objects() -> dict:
    from commonground.surveys.models import WaveStatus
    from commonground.surveys.tests.factories import make_instrument, make_wave

    instrument = make_instrument()
    wave = make_wave(instrument, status=WaveStatus.DRAFT)
    question = instrument.questions.first()
    choice_list = instrument.lists.first()
    survey = instrument.survey.pk
    return {
        **{
            f"surveys:{name}": [survey]
            for name in (
                "form_survey_detail",
                "form_instrument_new",
                "form_instrument_bank",
                "form_instrument_import",
                "form_wave_new",
            )
        },
        **{
            f"surveys:{name}": [instrument.pk]
            for name in (
                "form_instrument_detail",
                "form_instrument_xlsform",
                "form_instrument_copy",
                "form_question_new",
                "form_list_new",
            )
        },
        "surveys:form_question_edit": [instrument.pk, question.pk],
        "surveys:form_question_move": [instrument.pk, question.pk],
        "surveys:form_question_delete": [instrument.pk, question.pk],
        "surveys:form_list_edit": [instrument.pk, choice_list.pk],
        "surveys:form_list_delete": [instrument.pk, choice_list.pk],
        "surveys:form_wave_detail": [wave.pk],
        "surveys:form_wave_status": [wave.pk],
    }


# Named "objects": it extends the fixture above with the surveys' questionnaire objects.
@pytest.fixture(name="objects")
def objects_with_form(objects):
    return {**objects, **_form_objects()}


# --- focus: a focus-group session, a participant, a theme and a coded passage ---------------


@pytest.fixture(autouse=True)
def _focus_objects(request):
    """Adds the focus-group pages' objects to `objects` for the tests that use it."""
    if "objects" not in request.fixturenames:
        return
    from commonground.surveys import actions as survey_actions
    from commonground.surveys.tests.focus_helpers import session, theme

    objects = request.getfixturevalue("objects")
    officer = make_staff("focus-m", R.COMMUNITY_ENGAGEMENT)
    group = session(officer)
    participant = survey_actions.add_participant(group=group, by=officer, label="P1")
    slow = theme(officer, group.survey)
    coded = survey_actions.code_excerpt(
        group=group, by=officer, theme=slow, participant=participant, excerpt="slow"
    )
    survey = [group.survey_id]
    objects.update(
        {
            "surveys:focus_new": survey,
            "surveys:focus_themes": survey,
            "surveys:focus_compare": survey,
            "surveys:focus_detail": [group.pk],
            "surveys:focus_edit": [group.pk],
            "surveys:focus_add_participant": [group.pk],
            "surveys:focus_code": [group.pk],
            "surveys:focus_uncode": [coded.pk],
            "surveys:focus_theme_edit": [slow.pk],
        }
    )
