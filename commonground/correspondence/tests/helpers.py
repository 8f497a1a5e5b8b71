"""Reports whose residents chose each way of being contacted, built through the real actions."""

from commonground.investigations.tests.helpers import triaged_case

CONTACTS = {
    "email": {"name": "Maria Lopez", "email": "maria@example.org"},
    "phone": {"name": "Maria Lopez", "phone": "555-201-3344", "email": "maria@example.org"},
    "mail": {"name": "Maria Lopez", "address": "12 Elm Street\nApt 4\nRiverton, ST 00001"},
    "none": {"name": "Maria Lopez", "email": "maria@example.org"},
}


def case_for(supervisor, method: str, language: str = "en", **kwargs):
    """A triaged case whose resident chose `method`; the phone resident also gave an e-mail
    address and the 'do not contact me' one too, so an e-mail sent to them would show."""
    return triaged_case(
        supervisor, contact=CONTACTS[method], contact_method=method, language=language, **kwargs
    )
