"""Every public surface, with what it reveals and what keeps that safe, declared once (for
the people who keep the disclosure rules, so in English only).

A count hidden in one place is only hidden if no other place gives it back, alone or together
with the rest; so each surface says which families of counts it tells about, and the release
audits them together (actions.build_release): the count tables of a family are suppressed as
one system of sums (disclosure.hidden_cells), the record-level rows are made k-anonymous and then
audited with those tables in one linear programme (records.publishable_rows), and an estimate is
withheld whenever a count it is worked out from is hidden. Surfaces that tell about no family
(the minutes, the policy library) say so here, and a test holds every public route to this list.
"""

from dataclasses import dataclass

from commonground.publish import datasets as ds


@dataclass(frozen=True)
class Surface:
    name: str
    routes: tuple[str, ...]  # URL names that show it; "publish-api-*" is every API resource
    reveals: str
    # Families of counts it tells about (their slugs), and how that is kept safe.
    families: tuple[str, ...]
    protection: str


COUNT_FAMILIES = tuple(f.slug for f in ds.FAMILIES)

SURFACES = (
    Surface(
        "count tables",
        ("publish-dataset", "publish-download", "publish-api-*", "publish-catalogue"),
        ("Counts of records by one or two dimensions, with totals."),
        COUNT_FAMILIES,
        (
            "Counts from 1 to the threshold hidden, with partners, over every table of a family "
            "at once; a linear programme shows no hidden count can be worked out."
        ),
    ),
    Surface(
        "dashboards",
        ("publish-figures", "publish-dashboard"),
        ("Charts and tables drawn from the count tables and estimates of the release."),
        COUNT_FAMILIES,
        ("Drawn from the released tables only, after suppression."),
    ),
    Surface(
        "allegation records",
        ("publish-dataset", "publish-download", "publish-api-*"),
        (
            "One row per allegation: periods, channel, district, kind, finding, outcome, time "
            "to close, random codes; which rows share a complaint."
        ),
        ("allegations", "complaints", "closed"),
        (
            "k-anonymous at the threshold, counted in complaints; audited with the tables of "
            "the three families it overlaps, and coarsened until no hidden count follows."
        ),
    ),
    Surface(
        "stop estimates",
        ("publish-dataset", "publish-download", "publish-api-*", "publish-dashboard"),
        ("Rates, ratios and the veil-of-darkness estimate, with intervals."),
        ("stops", "searches"),
        ("Withheld whenever a count it is worked out from is hidden in the tables."),
    ),
    Surface(
        "board minutes",
        ("oversight:public_meetings", "oversight:public_minutes"),
        (
            "For each meeting: its date and time, place, how to attend and what it will cover "
            "(a public notice board staff write, told not to name anyone or any case), and how "
            "many cases are on its agenda; for each held meeting, the votes on each item and the "
            "board's conclusion, and how many items ended each way."
        ),
        (),
        (
            "Nothing about a case itself (district, kinds of allegation, findings, discipline): "
            "those are counted in the tables, under their suppression."
        ),
    ),
    Surface(
        "policy library",
        ("publish-policies", "publish-policy", "publish-policy-version", "publish-policy-pdf"),
        ("The agency's published policies, their versions and signed PDFs."),
        (),
        ("Documents the agency publishes; no records of people."),
    ),
    Surface(
        "officer lookup",
        ("complaints:officer_lookup",),
        ("Names and badge numbers of current officers (PUBLIC_OFFICER_LOOKUP)."),
        (),
        ("The roster only; nothing about complaints or any resident."),
    ),
    Surface(
        "site pages",
        ("home", "health", "publish-api-schema", "publish-api-docs", "publish-api-redoc"),
        ("The front door, the health check and the API's description."),
        (),
        ("No records."),
    ),
)


def routes() -> set[str]:
    return {route for surface in SURFACES for route in surface.routes}


# --- publish: community surveys ---
SURFACES = (
    *SURFACES,
    Surface(
        "survey results",
        (
            "publish-survey-index",
            "publish-survey-city",
            "publish-survey-district",
            "publish-dataset",
            "publish-download",
            "publish-api-*",
        ),
        (
            "For each published wave: weighted estimates with their n, effective n, intervals "
            "and method, by district and group; completed questionnaires by channel and "
            "district; AAPOR rates per sample; quotes staff redacted and approved."
        ),
        (),
        (
            "Published waves only. Every count (responses, each estimate's n) is one system with "
            "their sums and with equalities between equal counts of the same people, suppressed "
            "and audited together (survey_figures.py); an n hidden hides what gives it back; a "
            "direct estimate on no more people than the threshold is withheld. Never a free-text "
            "answer: only quotes staff redacted and approved."
        ),
    ),
    Surface(
        "survey questionnaires",
        ("publish-survey-questionnaire",),
        ("The questions and choices of each published wave's questionnaire, in each language."),
        (),
        ("The instrument only; no answers."),
    ),
    Surface(
        "survey public-use files",
        ("publish-survey-public-use", "publish-survey-codebook", "publish-survey-file"),
        (
            "One row per response of a published wave: channel, recruitment, coarsened "
            "demographics, choice and 0-10 answers, averaged final weights."
        ),
        (),
        (
            "k-anonymous at the threshold on district, age band, sex, race or ethnicity, tenure, "
            "language and contact items (coarsening, then local suppression); no free text, "
            "no exact numbers, no ids, no dates finer than the wave (surveys/public_use.py)."
        ),
    ),
)
