"""Address lists, stratified samples and letters: import errors and duplicates, allocation,
seeded reproducibility, strata recorded as the design weights expect, codes made only at print
time and stored only as hashes, and the letters' text and QR codes."""

import io

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commonground.audit.models import AuditEvent
from commonground.surveys import codes, sampling
from commonground.surveys.actions import (
    COMPLETE,
    CodeAlreadyUsed,
    ImportRefused,
    LetterBatch,
    UnknownCode,
    draw_sample,
    import_address_frame,
    print_letters,
    submit_response,
)
from commonground.surveys.actions.answers import _design_weight
from commonground.surveys.models import Address, AddressFrame, Invitation, Response, WaveStatus
from commonground.surveys.selectors import sample_dispositions, sample_rates, sample_strata
from commonground.surveys.tests.factories import COMPLETE_ANSWERS, make_districts, make_wave
from commonground.surveys.tests.sample_helpers import HEADER
from commonground.surveys.tests.sample_helpers import address_csv as addresses

pytestmark = pytest.mark.django_db


def csv_of(rows: list[str], header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + "".join(r + "\n" for r in rows)).encode())


@pytest.fixture
def wave(db):
    make_districts()
    return make_wave(status=WaveStatus.OPEN)


@pytest.fixture
def frame(wave, engagement_officer):
    frame, _ = import_address_frame(
        survey=wave.survey, name="City 2026", upload=addresses(60, 20), by=engagement_officer
    )
    return frame


# --- Reading and importing a list ----------------------------------------------------------


def test_a_list_is_imported_with_each_row_in_its_district(wave, engagement_officer):
    frame, read = import_address_frame(
        survey=wave.survey, name="City", upload=addresses(3, 2), by=engagement_officer
    )
    assert frame.addresses.count() == 5 and read.duplicates == 0
    home = frame.addresses.get(line1="2 South Ave")
    assert (home.line2, home.city, home.postcode, home.district.code) == (
        "Apt 2",
        "Riverton",
        "00002",
        "D2",
    )
    event = AuditEvent.objects.get(action="survey.address_frame_imported")
    assert event.data == {
        "addresses": 5,
        "duplicates": 0,
        "skipped_rows": 0,
        "in_background": False,
    }
    assert "North St" not in str(event.data)  # the audit log keeps no address


def test_exact_duplicates_are_kept_once_and_counted(wave, engagement_officer):
    rows = [
        "1 Elm St,,Riverton,00001,D1",
        " 1 Elm St ,,Riverton,00001,D1",
        "1 Elm St,,Riverton,00001,D1",
    ]
    rows.append("1 Elm St,Flat B,Riverton,00001,D1")  # another home
    frame, read = import_address_frame(
        survey=wave.survey, name="Dup", upload=csv_of(rows), by=engagement_officer
    )
    assert read.duplicates == 2 and frame.addresses.count() == 2


def test_a_bad_row_stops_the_whole_import_and_is_named_by_its_row(wave, engagement_officer):
    rows = [
        "1 Elm St,,Riverton,00001,D1",
        ",,Riverton,00001,D1",  # row 3: no line1
        "3 Elm St,,Riverton,00001,D9",  # row 4: unknown district
        "4 Elm St,,Riverton,00001,",  # row 5: no district
        "5 Elm St,,Riverton," + "9" * 21 + ",D2",  # row 6: postcode too long
    ]
    with pytest.raises(ImportRefused) as refused:
        import_address_frame(
            survey=wave.survey, name="Bad", upload=csv_of(rows), by=engagement_officer
        )
    errors = {e.row: e.message for e in refused.value.read.errors}
    assert set(errors) == {3, 4, 5, 6}
    assert "line1" in errors[3]
    assert "D9" in errors[4]
    assert "district code is empty" in errors[5]
    assert "postcode is longer than 20" in errors[6]
    assert not AddressFrame.objects.exists() and not Address.objects.exists()


def test_skipping_bad_rows_imports_the_good_ones_only_when_asked(wave, engagement_officer):
    rows = ["1 Elm St,,Riverton,00001,D1", ",,Riverton,00001,D1", "2 Elm St,,,,D2"]
    frame, read = import_address_frame(
        survey=wave.survey,
        name="Some",
        upload=csv_of(rows),
        by=engagement_officer,
        skip_bad_rows=True,
    )
    assert frame.addresses.count() == 2 and [e.row for e in read.errors] == [3]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"line1,city,postcode\n1 Elm,Riverton,1\n", "Missing: line2, district"),
        ("line1,line2,city,postcode,district\n1 Élm,,R,1,D1\n".encode("latin-1"), "UTF-8"),
        (HEADER.encode(), "no usable address"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(wave, engagement_officer, content, says):
    with pytest.raises(ImportRefused) as refused:
        import_address_frame(
            survey=wave.survey, name="X", upload=io.BytesIO(content), by=engagement_officer
        )
    assert says in refused.value.messages[0]
    assert not AddressFrame.objects.exists()


def test_the_header_may_be_in_any_order_and_case_with_a_bom_and_extra_columns(
    wave, engagement_officer
):
    content = "\ufeffDistrict,Postcode,City,Line2,LINE1,notes\nD2,00002,Riverton,,9 Oak St,x\n"
    frame, read = import_address_frame(
        survey=wave.survey,
        name="Any",
        upload=io.BytesIO(content.encode()),
        by=engagement_officer,
    )
    assert frame.addresses.get().line1 == "9 Oak St" and read.ignored_columns == ["notes"]


def test_only_sampling_staff_import_lists(wave, interviewer):
    with pytest.raises(PermissionDenied):
        import_address_frame(survey=wave.survey, name="X", upload=addresses(1, 1), by=interviewer)


# --- Allocation ----------------------------------------------------------------------------


def test_proportional_allocation_follows_the_frame_and_adds_up():
    assert sampling.allocate({"D1": 600, "D2": 300, "D3": 100}, "proportional", 10) == {
        "D1": 6,
        "D2": 3,
        "D3": 1,
    }
    sizes = sampling.allocate({"D1": 7, "D2": 7, "D3": 7}, "proportional", 10)
    assert sum(sizes.values()) == 10 and sorted(sizes.values()) == [3, 3, 4]


def test_equal_allocation_gives_a_full_stratum_s_share_to_the_others():
    sizes = sampling.allocate({"D1": 100, "D2": 2, "D3": 100}, "equal", 30)
    assert sizes == {"D1": 14, "D2": 2, "D3": 14}


def test_per_district_sizes_cannot_exceed_the_frame():
    assert sampling.allocate({"D1": 5, "D2": 5}, "per_district", per_district={"D1": 5}) == {
        "D1": 5,
        "D2": 0,
    }
    with pytest.raises(sampling.AllocationError, match="D2 has only 5"):
        sampling.allocate({"D1": 5, "D2": 5}, "per_district", per_district={"D2": 6})
    with pytest.raises(sampling.AllocationError, match="only 10 addresses"):
        sampling.allocate({"D1": 5, "D2": 5}, "proportional", 11)


# --- Drawing -------------------------------------------------------------------------------


def test_the_sample_records_its_seed_and_each_district_s_frame_and_sample_size(
    wave, frame, engagement_officer
):
    sample = draw_sample(
        wave=wave, frame=frame, by=engagement_officer, allocation="proportional", total=20, seed=7
    )
    assert sample.seed == 7
    assert sample.strata == {"D1": [60, 15], "D2": [20, 5]}
    by_district = {
        code: Invitation.objects.filter(sample=sample, district__code=code).count()
        for code in ("D1", "D2")
    }
    assert by_district == {"D1": 15, "D2": 5}
    # Every invitation's address is in its own district, and none is drawn twice.
    invitations = Invitation.objects.filter(sample=sample).select_related("address__district")
    assert all(i.address.district_id == i.district_id for i in invitations)
    assert len({i.address_id for i in invitations}) == 20
    # The answers engine's design weight reads these strata: frame size over sample size.
    d1, d2 = (
        i.district for i in (invitations.filter(district__code=c).first() for c in ("D1", "D2"))
    )
    assert _design_weight(sample, d1) == 4.0 and _design_weight(sample, d2) == 4.0
    assert AuditEvent.objects.get(action="survey.sample_drawn").data["seed"] == 7


def test_the_same_seed_draws_the_same_addresses_and_another_seed_others(
    wave, frame, engagement_officer
):
    first = draw_sample(
        wave=wave, frame=frame, by=engagement_officer, allocation="equal", total=10, seed=123
    )
    drawn = set(first.invitations.values_list("address_id", flat=True))
    again = make_wave(wave.instrument, label="again")
    second = draw_sample(
        wave=again, frame=frame, by=engagement_officer, allocation="equal", total=10, seed=123
    )
    assert set(second.invitations.values_list("address_id", flat=True)) == drawn
    other = make_wave(wave.instrument, label="other")
    third = draw_sample(
        wave=other, frame=frame, by=engagement_officer, allocation="equal", total=10, seed=124
    )
    assert set(third.invitations.values_list("address_id", flat=True)) != drawn


def test_the_draw_is_numpy_s_generator_on_ids_in_order():
    units = {"A": [5, 3, 9, 1], "B": [20, 10]}
    drawn = sampling.draw(units, {"A": 2, "B": 1}, seed=42)
    import numpy as np

    a, b = np.random.SeedSequence(42).spawn(2)
    expect_a = np.random.Generator(np.random.PCG64(a)).choice([1, 3, 5, 9], 2, replace=False)
    expect_b = np.random.Generator(np.random.PCG64(b)).choice([10, 20], 1, replace=False)
    assert drawn == {"A": sorted(expect_a.tolist()), "B": expect_b.tolist()}
    assert sampling.draw(units, {"A": 2, "B": 1}, seed=42) == drawn


def test_a_random_seed_is_chosen_and_recorded_when_none_is_given(wave, frame, engagement_officer):
    sample = draw_sample(
        wave=wave,
        frame=frame,
        by=engagement_officer,
        allocation="per_district",
        per_district={"D1": 2, "D2": 1},
    )
    assert 0 <= sample.seed < sampling.SEED_LIMIT
    assert sample.strata == {"D1": [60, 2], "D2": [20, 1]}


def test_a_wave_gets_one_address_sample_and_a_closed_wave_none(wave, frame, engagement_officer):
    draw_sample(wave=wave, frame=frame, by=engagement_officer, allocation="equal", total=2)
    with pytest.raises(ValidationError, match="already has an address sample"):
        draw_sample(wave=wave, frame=frame, by=engagement_officer, allocation="equal", total=2)
    closed = make_wave(wave.instrument, label="closed", status=WaveStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        draw_sample(wave=closed, frame=frame, by=engagement_officer, allocation="equal", total=2)


def test_only_sampling_staff_draw(wave, frame, interviewer):
    with pytest.raises(PermissionDenied):
        draw_sample(wave=wave, frame=frame, by=interviewer, allocation="equal", total=2)


# --- Codes and letters ---------------------------------------------------------------------


@pytest.fixture
def sample(wave, frame, engagement_officer):
    return draw_sample(
        wave=wave,
        frame=frame,
        by=engagement_officer,
        allocation="per_district",
        per_district={"D1": 3, "D2": 2},
        seed=99,
    )


def test_drawn_invitations_have_no_code_anyone_could_type(sample):
    for invitation in sample.invitations.all():
        assert invitation.code_hash.startswith(sampling.UNPRINTED)
        assert invitation.code is None and not invitation.letter_printed


def _codes_in(monkeypatch):
    made = []
    real = codes.new_code

    def remember():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(codes, "new_code", remember)
    return made


def test_printing_makes_codes_stores_only_their_hashes_and_the_letters_carry_them(
    sample, engagement_officer, monkeypatch
):
    made = _codes_in(monkeypatch)
    pdf, count = print_letters(sample=sample, by=engagement_officer)
    assert count == 5 and len(made) == 5
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 5
        links = [
            str(annotation.A.URI)
            for page in document.pages
            for annotation in page.get("/Annots", [])
            if "/A" in annotation and "/URI" in annotation.A
        ]
    for code in made:
        language = Invitation.objects.get(code_hash=codes.code_hash(code)).language
        assert sampling.invitation_link(code, language) in links
    stored = set(Invitation.objects.values_list("code_hash", flat=True))
    assert stored == {codes.code_hash(code) for code in made}
    assert not Invitation.objects.exclude(code=None).exists()
    assert Invitation.objects.filter(letter_printed=True).count() == 5
    event = AuditEvent.objects.get(action="survey.letters_printed")
    assert event.data == {"letters": 5, "reprint": False, "district": ""}
    for code in made:
        assert code not in str(event.data)
    # Each letter's page shows its code, in both languages' text.
    html = sampling.letters_html(
        [sampling.letter(i, made[0]) for i in sample.invitations.all()[:1]], sample.wave.survey
    )
    assert made[0] in html and 'lang="es"' in html and "Su código" in html
    assert "Go to http" in html and "Vaya a http" in html


def test_the_pdf_text_holds_the_code(sample, engagement_officer, monkeypatch):
    """WeasyPrint lays out the page; the code is in the text of the laid-out boxes."""
    from weasyprint import HTML

    made = _codes_in(monkeypatch)
    monkeypatch.setattr(sampling, "render_pdf", lambda html: HTML(string=html).render().write_pdf())
    print_letters(sample=sample, by=engagement_officer, limit=1)
    invitation = Invitation.objects.get(letter_printed=True)
    html = sampling.letters_html([sampling.letter(invitation, made[0])], sample.wave.survey)
    document = HTML(string=html).render()

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from texts(child)

    words = " ".join(t for page in document.pages for t in texts(page._page_box))
    assert made[0] in words and invitation.address.line1 in words


def test_a_printed_code_lets_one_response_in_with_the_stratum_s_design_weight(
    sample, engagement_officer, monkeypatch
):
    made = _codes_in(monkeypatch)
    print_letters(sample=sample, by=engagement_officer, district=None, limit=5)
    response = submit_response(
        wave=sample.wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=made[0],
    )
    stratum = Invitation.objects.get(code_hash=codes.code_hash(made[0])).district
    frame_size, drawn = sample.strata[stratum.code]
    assert response.design_weight == frame_size / drawn
    assert response.district == stratum
    with pytest.raises(CodeAlreadyUsed):
        submit_response(
            wave=sample.wave,
            answers=COMPLETE_ANSWERS,
            language="en",
            channel="web",
            recruitment="address_sample",
            invitation_code=made[0],
        )


def test_reprinting_gives_new_codes_and_the_old_ones_stop_working(
    sample, engagement_officer, monkeypatch
):
    made = _codes_in(monkeypatch)
    print_letters(sample=sample, by=engagement_officer)
    first = list(made)
    submit_response(
        wave=sample.wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=first[0],
    )
    made.clear()
    with pytest.raises(ValidationError, match="no letter left"):
        print_letters(sample=sample, by=engagement_officer)  # every letter printed already
    _pdf, count = print_letters(sample=sample, by=engagement_officer, which=LetterBatch.REPRINT)
    assert count == 4  # the used invitation is never reprinted
    with pytest.raises(UnknownCode):
        submit_response(
            wave=sample.wave,
            answers=COMPLETE_ANSWERS,
            language="en",
            channel="web",
            recruitment="address_sample",
            invitation_code=first[1],
        )
    assert submit_response(
        wave=sample.wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=made[0],
    )
    assert Response.objects.count() == 2


def test_letters_print_by_district_in_batches(sample, engagement_officer):
    d2 = Invitation.objects.filter(sample=sample, district__code="D2").first().district
    _pdf, count = print_letters(sample=sample, by=engagement_officer, district=d2, limit=1)
    assert count == 1
    assert list(
        Invitation.objects.filter(letter_printed=True).values_list("district__code", flat=True)
    ) == ["D2"]


def test_only_sampling_staff_print_and_not_for_a_closed_wave(
    sample, interviewer, engagement_officer
):
    with pytest.raises(PermissionDenied):
        print_letters(sample=sample, by=interviewer)
    sample.wave.status = WaveStatus.CLOSED
    sample.wave.save()
    with pytest.raises(ValidationError, match="closed"):
        print_letters(sample=sample, by=engagement_officer)


def test_a_printed_letters_link_opens_the_survey_in_its_language_and_leaves_the_code_behind(
    sample, engagement_officer, monkeypatch, client
):
    from urllib.parse import urlsplit

    made = _codes_in(monkeypatch)
    print_letters(sample=sample, by=engagement_officer, limit=1)
    (code,) = made
    language = Invitation.objects.get(code_hash=codes.code_hash(code)).language
    link = urlsplit(sampling.invitation_link(code, language))
    response = client.get(link.path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/{language}/survey/questions/")
    assert code.replace("-", "") not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_the_qr_code_in_a_letter_is_the_symbol_of_its_link(sample, engagement_officer):
    link = sampling.invitation_link("7KQ2-M9XD-4HRT")
    svg = sampling.qr_svg(link, title="t")
    assert sampling.qr_matrix(svg) == sampling.symbol_matrix(link)
    assert sampling.qr_matrix(svg) != sampling.symbol_matrix(
        sampling.invitation_link("7KQ2-M9XD-4HRX")
    )
    assert "<title>t</title>" in svg


# --- What the sample page reads ------------------------------------------------------------


def test_the_strata_and_dispositions_count_printed_and_used_invitations_only(
    sample, engagement_officer, monkeypatch
):
    made = _codes_in(monkeypatch)
    print_letters(sample=sample, by=engagement_officer, limit=3)
    assert sample_rates(sample) is not None
    submit_response(
        wave=sample.wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=made[0],
    )
    rows = {row.code: row for row in sample_strata(sample)}
    assert (rows["D1"].frame_size, rows["D1"].drawn, rows["D1"].design_weight) == (60, 3, 20.0)
    assert sum(r.printed for r in rows.values()) == 3 and sum(r.used for r in rows.values()) == 1
    assert sample_dispositions(sample) == {COMPLETE: 1, "3.19": 2, "3.11": 2}
    rates = sample_rates(sample)
    assert rates.rr1 == pytest.approx(1 / 5)


def test_no_rates_before_any_letter_went_out(sample):
    assert sample_rates(sample) is None


# --- Large lists load in the background, with progress -------------------------------------


def test_a_large_list_is_checked_at_once_and_written_by_a_task_that_counts(
    wave, engagement_officer, monkeypatch, on_commit_immediately
):
    from django.core.files.storage import default_storage

    monkeypatch.setattr(sampling, "LOAD_AT_ONCE", 4)
    monkeypatch.setattr(sampling, "LOAD_CHUNK", 3)
    stored = []
    real_save = default_storage.save
    monkeypatch.setattr(
        default_storage,
        "save",
        lambda name, content: stored.append(real_save(name, content)) or stored[-1],
    )
    frame, _read = import_address_frame(
        survey=wave.survey, name="Big", upload=addresses(5, 3), by=engagement_officer
    )
    frame.refresh_from_db()
    assert (frame.loading, frame.rows_total, frame.rows_loaded) == (False, 8, 8)
    assert frame.addresses.count() == 8
    assert stored and not default_storage.exists(stored[0])  # the rows' file is gone
    event = AuditEvent.objects.get(action="survey.address_frame_imported")
    assert event.data["in_background"] is True


def test_a_list_still_loading_shows_its_progress_and_gives_no_sample(
    wave, engagement_officer, monkeypatch, client
):
    monkeypatch.setattr(sampling, "LOAD_AT_ONCE", 4)
    # In a test nothing commits, so the queued task never runs: the list stays loading.
    frame, _read = import_address_frame(
        survey=wave.survey, name="Big", upload=addresses(5, 3), by=engagement_officer
    )
    assert frame.loading and frame.addresses.count() == 0
    with pytest.raises(ValidationError, match="still loading"):
        draw_sample(wave=wave, frame=frame, by=engagement_officer, allocation="equal", total=2)
    client.force_login(engagement_officer)
    page = client.get(f"/en/staff/surveys/sampling/lists/{frame.pk}/").content.decode()
    assert '<progress id="frame-progress" max="8" value="0">' in page
    assert "0 of 8 addresses written." in page
