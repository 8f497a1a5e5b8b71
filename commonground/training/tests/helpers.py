import datetime

from commonground.training.actions import Wording, create_policy, publish_version

TEXT_EN = "Officers use only the force that is necessary.\n\nThey stop when resistance stops."
TEXT_ES = "Los agentes usan solo la fuerza necesaria.\n\nSe detienen cuando cesa la resistencia."


def wording(**overrides) -> Wording:
    values = dict(
        titles={"en": "Use of force", "es": "Uso de la fuerza"},
        texts={"en": TEXT_EN, "es": TEXT_ES},
        changes={"en": "", "es": ""},
        effective_on=datetime.date(2026, 1, 1),
    )
    values.update(overrides)
    return Wording(**values)


def policy_draft(by, number: str = "GO 3.02", category: str = "use_of_force", **overrides):
    return create_policy(by=by, number=number, category=category, wording=wording(**overrides))


def published_policy(by, number: str = "GO 3.02", category: str = "use_of_force", **overrides):
    return publish_version(version=policy_draft(by, number, category, **overrides), by=by)
