"""The leak test for community surveys, in a module of its own: test_leaks.py's demo world is
built once for its module and stays in the database until the module ends, and this test needs
a database with nothing but its own survey in it.

Every survey field is marked as test_leaks.py marks every app's (its PUBLIC_BY_DESIGN lists the
survey fields that are public on purpose); then every public survey page and file is fetched."""

import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.publish.actions import build_release
from commonground.publish.tests.test_leaks import MARKER, Markers, fetch_all, plant

pytestmark = pytest.mark.django_db


@pytest.mark.files
def test_no_survey_answer_draft_invitation_or_id_reaches_any_public_page_or_file(client, analyst):
    from commonground.roster.models import District
    from commonground.surveys.actions import approve_quote, make_quote
    from commonground.surveys.models import Draft, Question, Response, Wave, WaveStatus
    from commonground.surveys.tests.factories import make_invitations
    from commonground.surveys.tests.publish_helpers import (
        estimate,
        indices,
        published_wave,
        weighting_run,
    )

    wave = published_wave(n=40, comment="a comment")
    districts = list(District.objects.order_by("code"))
    run = weighting_run(wave)
    indices(run, districts)
    estimate(run, "safe", choice="4", value=0.4, reason="a reason")
    comment = Question.objects.get(instrument=wave.instrument, name="comment")
    engagement = make_staff("leak-engagement", Role.COMMUNITY_ENGAGEMENT)
    make_quote(wave=wave, question=comment, text="an unapproved quote", by=engagement)
    approve_quote(
        quote=make_quote(wave=wave, question=comment, text="Approved words", by=engagement),
        by=analyst,
    )
    hidden = published_wave(n=12, label="2026 Q3", instrument=wave.instrument)
    Wave.objects.filter(pk=hidden.pk).update(status=WaveStatus.OPEN)
    estimate(weighting_run(hidden), "trust_index", reason="another reason")
    make_invitations(hidden, per_district=3)
    markers = Markers()
    Draft.objects.create(
        key_hash=markers.new("draft key"),
        wave=hidden,
        language="en",
        answers={"comment": markers.new("draft answer")},
        updated_at=wave.created_at,
    )
    planted = plant(markers)
    build_release(by=analyst)

    bodies = fetch_all(
        client,
        ["/en/results/surveys/", "/es/results/surveys/", "/en/figures/", "/en/data/"],
    )
    for slug in ("survey-estimates", "survey-responses"):
        for fmt in ("csv", "json"):
            bodies[f"/data/{slug}.{fmt}"] = b"".join(
                client.get(f"/data/{slug}.{fmt}").streaming_content
            )
    leaks = {
        path: sorted(
            {markers.planted[m.lower()] for m in MARKER.findall(body.decode("utf-8", "replace"))}
        )
        for path, body in bodies.items()
        if MARKER.search(body.decode("utf-8", "replace"))
    }
    assert planted > 100
    assert any("Answer#" in where for where in markers.planted.values())
    for expected in [
        "/en/results/surveys/trust/",
        "/en/results/surveys/trust/districts/D1/",
        "/es/results/surveys/trust/questionnaire/2026-q1/",
        "/en/results/surveys/trust/data/2026-q1/",
        "/en/results/surveys/trust/data/2026-q1/file.csv",
        "/en/results/surveys/trust/data/2026-q1/file.sav",
        "/en/results/surveys/trust/data/2026-q1/file.dta",
        "/en/results/surveys/trust/data/2026-q1/codebook.csv",
    ]:
        assert expected in bodies, expected
    assert not [p for p in bodies if "2026-q3" in p]
    assert not leaks, leaks
    everything = b"\n".join(bodies.values()).decode("utf-8", "replace")
    assert "Approved words" in everything
    for response_id in Response.objects.values_list("id", flat=True):
        assert str(response_id) not in everything
