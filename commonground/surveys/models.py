"""Community surveys: questionnaires (instruments) in every language the agency uses, run in
waves through every channel (online, phone interview, paper, focus group), from samples and
invitations, weighted to the population and estimated with honest uncertainty.

Three rules shape these tables:
- **A response keeps no link to where it came from.** `Response` has a random id, no time finer
  than its wave, no interviewer, and no reference to the invitation, address or phone number that
  let it in. The invitation or phone case is marked used in the same transaction that stores the
  response; nothing in either row can be matched to the other.
- **A published wave never changes**, nor does an instrument once a wave using it has opened
  (copy it to a new version instead); the actions enforce both.
- **Words are kept per language.** Every label, hint and message is a JSON object
  `{"en": "...", "es": "..."}`; `in_language` picks one, falling back to the instrument's
  default language."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.lib.fields import EncryptedJSONField
from commonground.surveys.categories import Variable


def random_key() -> int:
    """A random primary key. SQLite keeps a table in the order of its integer key, so rows keyed
    by chance sit in no order that says when they were written (see `Response`)."""
    return secrets.randbits(62) | (1 << 40)


def in_language(words: dict | None, language: str, fallback: str = "en") -> str:
    """One language's text of a `{"en": ..., "es": ...}` value: the language asked for, else
    the fallback, else any text there is."""
    if not words:
        return ""
    return words.get(language) or words.get(fallback) or next(iter(words.values()), "")


class Survey(models.Model):
    """A continuing resident survey (e.g. "Community trust and safety"), run in waves."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.JSONField(default=dict)
    description = models.JSONField(default=dict, blank=True)
    # An estimate resting on fewer effective respondents than this is withheld, with the reason.
    min_effective_n = models.PositiveSmallIntegerField(default=30)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return in_language(self.title, "en") or self.slug


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    AGREEMENT = "agreement", _("Agreement scale")
    SCALE = "scale", _("0 to 10 scale")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Number")
    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NOTE = "note", _("Note (no answer)")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.AGREEMENT})
NUMBER_KINDS = frozenset({QuestionKind.SCALE, QuestionKind.INTEGER, QuestionKind.DECIMAL})
TEXT_KINDS = frozenset({QuestionKind.TEXT, QuestionKind.LONG_TEXT})


class Instrument(models.Model):
    """One version of a questionnaire. Editable only until a wave using it opens."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="instruments")
    # The XLSForm form_id: letters, digits and underscores.
    name = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    title = models.JSONField(default=dict)
    # Language codes in the order the agency offers them, e.g. ["en", "es"].
    languages = models.JSONField(default=list)
    default_language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["survey", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "name", "version"], name="instrument_version_unique"
            )
        ]

    def __str__(self):
        return f"{in_language(self.title, self.default_language) or self.name} v{self.version}"


class ChoiceList(models.Model):
    """A named list of answer choices, shared by the questions that use it (XLSForm's
    `choices` sheet)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="lists")
    name = models.SlugField(max_length=60)

    class Meta:
        ordering = ["instrument", "name"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "name"], name="choice_list_unique")
        ]

    def __str__(self):
        return self.name


class Choice(models.Model):
    choice_list = models.ForeignKey(ChoiceList, on_delete=models.CASCADE, related_name="choices")
    # The stored code (XLSForm `name`); for demographic questions, a category of
    # `surveys.categories`; for agreement scales, "1".."5".
    value = models.CharField(max_length=60)
    label = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["choice_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["choice_list", "value"], name="choice_value_unique")
        ]

    def __str__(self):
        return self.value


class Question(models.Model):
    """One question (or note) of an instrument, in order, on a page."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    # Questions sharing a page number are shown together (an XLSForm field-list group).
    page = models.PositiveSmallIntegerField(default=1)
    # The XLSForm `name`: referred to by skip logic as ${name}.
    name = models.SlugField(max_length=60)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    choice_list = models.ForeignKey(
        ChoiceList, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    label = models.JSONField(default=dict)
    hint = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=False)
    required_message = models.JSONField(default=dict, blank=True)
    # XLSForm expressions: `relevant` decides whether the question is asked (skip logic),
    # `constraint` whether an answer is accepted ("." is the answer).
    relevant = models.CharField(max_length=500, blank=True)
    constraint = models.CharField(max_length=500, blank=True)
    constraint_message = models.JSONField(default=dict, blank=True)
    # What the question measures when it is a demographic or a contact with police.
    variable = models.CharField(max_length=20, choices=Variable.choices, blank=True)
    # The question bank's item code (e.g. "trust.respect"), so waves and instruments compare.
    topic = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["instrument", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "name"], name="question_name_unique")
        ]

    def __str__(self):
        return self.name


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class Wave(models.Model):
    """One round of a survey (e.g. "2026 Q1"), with its dates, its instrument and its status."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="waves")
    label = models.CharField(max_length=60)
    opens_on = models.DateField()
    closes_on = models.DateField()
    # Changed only by the actions in commonground.surveys.actions.
    status = models.CharField(max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    # Whether the open (opt-in) link takes responses during this wave.
    open_link = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # Calls to a phone case without a final disposition before it is finished anyway (its last
    # disposition becomes its final one); set on the wave's phone sample page.
    max_call_attempts = models.PositiveSmallIntegerField(default=6)

    class Meta:
        ordering = ["survey", "opens_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "label"], name="wave_label_unique"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="wave_dates_order"
            ),
        ]

    def __str__(self):
        return f"{self.survey} {self.label}"


class Channel(models.TextChoices):
    WEB = "web", _("Online")
    PHONE = "phone", _("Telephone interview")
    PAPER = "paper", _("Paper questionnaire")


class Recruitment(models.TextChoices):
    """How a respondent came to answer: estimates say which of these they rest on."""

    ADDRESS_SAMPLE = "address_sample", _("Random sample of addresses")
    PHONE_SAMPLE = "phone_sample", _("Random sample of phone numbers")
    OPEN_LINK = "open_link", _("Open link (volunteers)")
    IN_PERSON = "in_person", _("In person (volunteers)")


PROBABILITY_RECRUITMENT = frozenset({Recruitment.ADDRESS_SAMPLE, Recruitment.PHONE_SAMPLE})


class AddressFrame(models.Model):
    """An imported list of residential addresses that samples are drawn from."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="frames")
    name = models.CharField(max_length=120)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A large list's addresses are written by a background task, which counts them here; no
    # sample is drawn from a list still loading. Changed only by the sample actions.
    loading = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return self.name


class Address(models.Model):
    frame = models.ForeignKey(AddressFrame, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    district = models.ForeignKey(
        "roster.District", on_delete=models.PROTECT, related_name="survey_addresses"
    )

    class Meta:
        ordering = ["frame", "pk"]
        indexes = [models.Index(fields=["frame", "district"])]

    def __str__(self):
        return self.line1


class SampleKind(models.TextChoices):
    ADDRESS = "address", _("Addresses")
    PHONE = "phone", _("Phone numbers")


class Sample(models.Model):
    """A random draw for one wave, stratified by district; the seed is kept so the draw can be
    repeated and checked."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="samples")
    kind = models.CharField(max_length=10, choices=SampleKind.choices)
    frame = models.ForeignKey(
        AddressFrame, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples"
    )
    seed = models.BigIntegerField()
    # {district code: (units in the frame, units drawn)}: the design weights come from these.
    strata = models.JSONField(default=dict)
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["wave", "drawn_at"]

    def __str__(self):
        return f"{self.wave} {self.get_kind_display()} ({self.seed})"


class Invitation(models.Model):
    """One code that lets one response in: printed on a letter to a sampled address, or handed
    out in person. Knows nothing of the response it let in."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    district = models.ForeignKey(
        "roster.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    # The code only as a keyed hash for lookup. Letters get fresh codes when they are printed
    # (surveys.sampling), so the paper is the only copy and `code` stays empty; anything that
    # ever keeps one here (encrypted) loses it when the wave closes.
    code_hash = models.CharField(max_length=64, unique=True)
    code = EncryptedJSONField(null=True, blank=True)
    # Set once, in the transaction that stores the response; no time is kept.
    used = models.BooleanField(default=False)
    # A final AAPOR disposition staff record for a code never used (e.g. returned by the post).
    disposition = models.CharField(max_length=8, blank=True)
    letter_printed = models.BooleanField(default=False)

    class Meta:
        ordering = ["wave", "pk"]
        indexes = [models.Index(fields=["wave", "used"])]

    def __str__(self):
        return f"{self.wave} invitation {self.pk}"


class PhoneCaseStatus(models.TextChoices):
    TO_CALL = "to_call", _("To call")
    CALLBACK = "callback", _("Callback booked")
    FINAL = "final", _("Finished")


class PhoneCase(models.Model):
    """One sampled phone number to be worked by interviewers until it gets a final
    disposition. The number is encrypted and erased when the wave closes."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="phone_cases")
    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.CASCADE, related_name="phone_cases"
    )
    phone = EncryptedJSONField(null=True, blank=True)
    district = models.ForeignKey(
        "roster.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    # Changed only by the actions in commonground.surveys.actions.
    status = models.CharField(
        max_length=10, choices=PhoneCaseStatus.choices, default=PhoneCaseStatus.TO_CALL
    )
    disposition = models.CharField(max_length=8, blank=True)
    callback_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set once, in the transaction that stores the interview's response.
    used = models.BooleanField(default=False)
    # The interviewer working the case, until `held_until`: the queue gives it to nobody else
    # meanwhile. Changed only by the actions in commonground.surveys.actions.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["wave", "status", "callback_at", "pk"]
        indexes = [models.Index(fields=["wave", "status", "callback_at"])]

    def __str__(self):
        return f"{self.wave} phone case {self.pk}"


class CallAttempt(models.Model):
    """One call to a phone case, with the AAPOR disposition the interviewer gave it."""

    case = models.ForeignKey(PhoneCase, on_delete=models.CASCADE, related_name="calls")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_calls"
    )
    called_at = models.DateTimeField()
    disposition = models.CharField(max_length=8)
    callback_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["case", "called_at", "pk"]

    def __str__(self):
        return f"{self.case} {self.disposition}"


class Response(models.Model):
    """One completed questionnaire. Deliberately without a time, an interviewer or any
    reference to its invitation, address or phone case: see the module's docstring. Its key is
    random, and so are its answers', so that the order rows are stored in says nothing of the
    order they came in (which call attempt times or a used invitation's place could match)."""

    id = models.BigIntegerField(primary_key=True, default=random_key, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recruitment = models.CharField(max_length=20, choices=Recruitment.choices)
    language = models.CharField(max_length=8)
    # The stratum the response was sampled in (from its invitation or phone case), or the
    # district the respondent gave.
    district = models.ForeignKey(
        "roster.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Inverse of the chance of selection within the stratum (1 for volunteers).
    design_weight = models.FloatField(default=1.0)
    # The final weight of the wave's latest weighting run; null until weighted.
    weight = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["wave", "id"]
        indexes = [models.Index(fields=["wave", "recruitment"])]

    def __str__(self):
        return f"{self.wave} response"


class Answer(models.Model):
    """One answer: a choice (one row per choice ticked), a number or a text."""

    id = models.BigIntegerField(primary_key=True, default=random_key, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "question", "pk"]
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self):
        return f"{self.question}: {self.choice or self.number or self.text[:20]}"


class Draft(models.Model):
    """An online questionnaire in progress, so a resident can answer over several pages and
    visits. Found by a keyed hash of the invitation code (or of the open link's session key)
    and deleted in the transaction that stores the response."""

    key_hash = models.CharField(max_length=64, unique=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="drafts")
    language = models.CharField(max_length=8)
    answers = models.JSONField(default=dict)
    page = models.PositiveSmallIntegerField(default=1)
    updated_at = models.DateTimeField()

    def __str__(self):
        return f"{self.wave} draft"


class PopulationMargin(models.Model):
    """How many residents (adults) a district has in one category of one weighting variable,
    from the census or the agency's own source. Raking uses their totals across districts."""

    district = models.ForeignKey(
        "roster.District", on_delete=models.CASCADE, related_name="population_margins"
    )
    variable = models.CharField(max_length=20, choices=Variable.choices)
    category = models.CharField(max_length=60)
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["district", "variable", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "variable", "category"], name="population_margin_unique"
            )
        ]

    def __str__(self):
        return f"{self.district} {self.variable}={self.category}: {self.population}"


class WeightingRun(models.Model):
    """One weighting of a wave's responses: its settings and its report (convergence,
    collapsed categories, trimming, design effect, margins)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="weighting_runs")
    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settings = models.JSONField(default=dict)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["wave", "-ran_at"]

    def __str__(self):
        return f"{self.wave} weighting {self.ran_at:%Y-%m-%d %H:%M}"


class Basis(models.TextChoices):
    """Which responses an estimate rests on."""

    PROBABILITY = "probability", _("Random samples only")
    ALL = "all", _("Every response, volunteers included")
    # The random samples' responses with no weights at all, beside the weighted figures.
    UNWEIGHTED = "unweighted", _("Random samples only, unweighted")


class Method(models.TextChoices):
    DIRECT = "direct", _("Direct survey estimate")
    MODEL = "model", _("Small-area model estimate")
    WITHHELD = "withheld", _("Withheld")


class Estimate(models.Model):
    """One estimated figure of a wave: a share choosing an answer, or a mean (a 0-10 item, an
    index), for everyone or for one domain (a district, a group, a contact with police)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="estimates")
    run = models.ForeignKey(WeightingRun, on_delete=models.CASCADE, related_name="estimates")
    basis = models.CharField(max_length=12, choices=Basis.choices)
    # A question's name or an index ("trust_index", "safety_index").
    measure = models.CharField(max_length=60)
    # The choice's value for a share; blank for a mean.
    choice = models.CharField(max_length=60, blank=True)
    # "all", or a Variable; and its category (a district code for districts).
    domain = models.CharField(max_length=20, default="all")
    domain_value = models.CharField(max_length=60, blank=True)
    n = models.PositiveIntegerField()
    effective_n = models.FloatField()
    method = models.CharField(max_length=10, choices=Method.choices)
    # Null when withheld; `reason` then says why, in words for the reader.
    value = models.FloatField(null=True, blank=True)
    standard_error = models.FloatField(null=True, blank=True)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    design_effect = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["wave", "measure", "domain", "domain_value", "choice"]
        indexes = [models.Index(fields=["wave", "basis", "measure"])]

    def __str__(self):
        return f"{self.wave} {self.measure} {self.domain}={self.domain_value}"


class FocusGroup(models.Model):
    """One focus-group session: who ran it, when and where, who took part (no names) and the
    facilitator's notes, coded with the survey's themes."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="focus_groups")
    wave = models.ForeignKey(
        Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="focus_groups"
    )
    title = models.CharField(max_length=200)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="focus_groups_run"
    )
    held_on = models.DateField()
    place = models.CharField(max_length=200)
    language = models.CharField(max_length=8, default="en")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on", "pk"]

    def __str__(self):
        return self.title


class Participant(models.Model):
    """One person at a focus group, described only by the weighting categories."""

    group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="participants")
    label = models.CharField(max_length=20, help_text=_("A tag such as P1; never a name."))
    age_band = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    race_ethnicity = models.CharField(max_length=30, blank=True)
    tenure = models.CharField(max_length=10, blank=True)
    district = models.ForeignKey(
        "roster.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["group", "label"]
        constraints = [
            models.UniqueConstraint(fields=["group", "label"], name="participant_label_unique")
        ]

    def __str__(self):
        return self.label


class Theme(models.Model):
    """A code of the survey's codebook, applied to focus-group notes."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(max_length=60)
    label = models.JSONField(default=dict)
    description = models.TextField(blank=True)
    # A broader theme this one refines (same survey); counts of a theme include its sub-themes'.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["survey", "code"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="theme_unique")]

    def __str__(self):
        return self.code


class CodedExcerpt(models.Model):
    """A passage of a focus group's notes coded with a theme, said by one participant or by
    the group as a whole."""

    group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="excerpts")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="excerpts")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="excerpts"
    )
    excerpt = models.TextField()
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["group", "theme", "pk"]

    def __str__(self):
        return f"{self.group} {self.theme}"


class Quote(models.Model):
    """A resident's words from a text answer, redacted by staff before anyone outside sees
    them; only approved quotes are ever public, and a second person approves them: whoever
    redacted a quote may have missed what identifies someone."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="quotes")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField()
    approved = models.BooleanField(default=False)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["wave", "question", "pk"]

    def __str__(self):
        return self.text[:40]
