"""The demographic variables a survey weights on, and their categories, aligned to the census so
a response's answer and the population margins the agency keeps use the same codes.

A demographic question in an instrument names its `Variable`; its choices' values are these
categories' codes (the starter question bank uses exactly these), so raking needs no mapping."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.roster.models import Race


class Variable(models.TextChoices):
    """What a question measures when it is more than an opinion: the weighting variables and
    the other domains estimates are broken down by."""

    DISTRICT = "district", _("District")
    AGE_BAND = "age_band", _("Age band")
    SEX = "sex", _("Sex")
    RACE_ETHNICITY = "race_ethnicity", _("Race or ethnicity")
    TENURE = "tenure", _("Housing tenure")
    LANGUAGE = "language", _("Language spoken at home")
    CONTACT_STOPPED = "contact_stopped", _("Stopped by police in the last year")
    CONTACT_COMPLAINT = "contact_complaint", _("Made a complaint in the last year")
    CONTACT_CALLED = "contact_called", _("Called the police for help in the last year")


# The variables raking may use (population margins exist for these).
WEIGHTING_VARIABLES = (
    Variable.DISTRICT,
    Variable.AGE_BAND,
    Variable.SEX,
    Variable.RACE_ETHNICITY,
    Variable.TENURE,
)


class AgeBand(models.TextChoices):
    """The census's adult age bands, joined where a district survey cannot carry more."""

    A18_24 = "18-24", _("18 to 24")
    A25_34 = "25-34", _("25 to 34")
    A35_44 = "35-44", _("35 to 44")
    A45_54 = "45-54", _("45 to 54")
    A55_64 = "55-64", _("55 to 64")
    A65_PLUS = "65+", _("65 or older")


class SurveySex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Tenure(models.TextChoices):
    OWNER = "owner", _("Owns the home")
    RENTER = "renter", _("Rents the home")


# Race and ethnicity: the roster's categories (which the districts' populations already use),
# without "unknown", which is not an answer a person gives about themselves.
RACE_ETHNICITY = [(value, label) for value, label in Race.choices if value != Race.UNKNOWN]

CATEGORIES: dict[str, list[tuple[str, str]]] = {
    Variable.AGE_BAND: list(AgeBand.choices),
    Variable.SEX: list(SurveySex.choices),
    Variable.RACE_ETHNICITY: RACE_ETHNICITY,
    Variable.TENURE: list(Tenure.choices),
}
