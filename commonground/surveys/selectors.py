"""Every non-trivial read of the surveys app. Each area keeps its selectors in a block of its own."""

# --- online: the resident's questionnaire (find a code's invitation, an open link's wave) ---

from commonground.surveys import codes
from commonground.surveys.models import Draft, Invitation, Survey, Wave, WaveStatus


def get_invitation_by_code(typed: str) -> Invitation | None:
    """The invitation a code typed in any case, with spaces, dashes or look-alike letters
    opens, with its wave; None when there is none. Raises codes.MalformedCode when what was
    typed cannot be a code."""
    return (
        Invitation.objects.select_related("wave__survey", "wave__instrument", "sample")
        .filter(code_hash=codes.code_hash(typed))
        .first()
    )


def get_public_survey(slug: str) -> Survey | None:
    return Survey.objects.filter(slug=slug).first()


def open_link_wave(survey: Survey) -> Wave | None:
    """The survey's wave taking answers through its open link now, the latest opened first."""
    return (
        survey.waves.select_related("instrument", "survey")
        .filter(status=WaveStatus.OPEN, open_link=True)
        .order_by("-opens_on", "-pk")
        .first()
    )


def latest_wave(survey: Survey) -> Wave | None:
    """The survey's wave a resident is most likely looking for when its open link takes no
    answers: one open to invited homes only, else the next to open, else the last to close."""
    waves = survey.waves.order_by("opens_on", "pk")
    return (
        waves.filter(status=WaveStatus.OPEN).last()
        or waves.filter(status=WaveStatus.DRAFT).first()
        or survey.waves.order_by("-closes_on", "-pk").first()
    )


def surveys_with_open_links() -> list[Wave]:
    """Every wave anyone may answer now through its open link, for the survey start page."""
    return list(
        Wave.objects.select_related("survey")
        .filter(status=WaveStatus.OPEN, open_link=True)
        .order_by("survey__slug", "-opens_on")
    )


def get_draft(key_hash: str, wave: Wave) -> Draft | None:
    return Draft.objects.filter(key_hash=key_hash, wave=wave).first()


def get_wave_for_draft(pk: int) -> Wave | None:
    return Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()
