"""Turns validated intake forms into the action's input; shared by public and staff intake."""

from commonground.complaints.actions import OfficerInput, PersonInput, ReportInput


def build_input(
    *, kind: dict, reporter: dict, when: dict, what: dict, officers, people
) -> ReportInput:
    return ReportInput(
        kind=kind["kind"],
        reporter_type=reporter["reporter_type"],
        reporter_relationship=reporter.get("reporter_relationship", ""),
        contact={
            "name": reporter.get("name", ""),
            "email": reporter.get("email", ""),
            "phone": reporter.get("phone", ""),
            "address": reporter.get("address", ""),
        },
        contact_method=reporter.get("contact_method") or "none",
        language=reporter["language"],
        incident_date=when["incident_date"],
        incident_time=when.get("incident_time"),
        incident_date_end=when.get("incident_date_end"),
        location=when.get("location", ""),
        district_id=when["district"].pk if when.get("district") else None,
        narrative=what["narrative"],
        officers=[
            OfficerInput(
                officer_id=o.get("officer_id"),
                name_given=o.get("name_given", ""),
                badge_given=o.get("badge_given", ""),
                description=o.get("description", ""),
                vehicle=o.get("vehicle", ""),
            )
            for o in officers
        ],
        people=[
            PersonInput(
                role=p["role"],
                name=p.get("name", ""),
                email=p.get("email", ""),
                phone=p.get("phone", ""),
                description=p.get("description", ""),
            )
            for p in people
        ],
    )
