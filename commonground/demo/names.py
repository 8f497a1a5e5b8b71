"""Word lists for the synthetic agency: people's names and the streets of a city that does not exist.

Names are grouped by the roster's race categories only to make a plausible mix; a person is drawn
from another group's list often enough that no list is a rule.
"""


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = {
    "male": {
        "white": _words(
            "James Michael Robert David William Daniel Matthew Ryan Andrew Joshua Kevin "
            "Brian Kyle Tyler Scott Eric Jacob Nathan Patrick Sean Travis Cody Greg "
            "Dustin "
        ),
        "black": _words(
            "Marcus Darnell Andre Terrence Jamal Malik DeShawn Cedric Reginald Jerome "
            "Dwayne Isaiah Xavier Tyrone Kendrick Elijah Darius Calvin Maurice Jalen "
        ),
        "hispanic": _words(
            "Carlos Luis Jose Miguel Juan Alejandro Diego Javier Ricardo Fernando Eduardo "
            "Raul Adrian Hector Mateo Andres Oscar Rafael Sergio Victor "
        ),
        "asian/pacific islander": _words(
            "Kevin Daniel Minh Hiroshi Wei Sanjay Jun Tuan Rohan Kenji Jin Arjun Keoni "
            "Bao Sung Vikram "
        ),
        "other": _words("Omar Ahmed Samir Yusuf Nikolai Dmitri Tariq Jonah Elias Ibrahim "),
    },
    "female": {
        "white": _words(
            "Jennifer Sarah Emily Jessica Amanda Megan Lauren Rachel Katherine Heather "
            "Kelly Nicole Amy Stephanie Erin Molly Hannah Allison "
        ),
        "black": _words(
            "Keisha Tanisha Ebony Aaliyah Jasmine Monique Latoya Imani Brianna Danielle "
            "Tiana Shanice Nia Kiara "
        ),
        "hispanic": _words(
            "Maria Ana Sofia Gabriela Daniela Lucia Carmen Valeria Isabel Rosa Elena "
            "Mariana Veronica Adriana Paola "
        ),
        "asian/pacific islander": _words(
            "Mei Linh Priya Yuki Grace Anjali Hana Mai Leilani Soo-jin Kavya Thao "
        ),
        "other": _words("Layla Fatima Amira Noor Zara Natalia Yasmin Leila "),
    },
}

LAST_NAMES = {
    "white": _words(
        "Smith Johnson Miller Anderson Thompson Wilson Taylor Moore Clark Lewis Walker "
        "Hall Young Allen King Wright Hill Scott Baker Nelson Carter Mitchell Roberts "
        "Phillips Campbell Parker Evans Edwards Collins Stewart Murphy Cook Rogers Morgan "
        "Kowalski Novak Schmidt Becker Larsen Olson Sullivan O'Brien Fitzgerald Russo "
        "Bianchi Hughes Bennett Price Fischer "
    ),
    "black": _words(
        "Washington Jefferson Jackson Harris Robinson Williams Brown Davis Freeman Banks "
        "Coleman Booker Simmons Jenkins Gaines Holloway Greene Mack Okafor Mensah Boateng "
        "Toussaint Pierre Dorsey Whitaker Bell "
    ),
    "hispanic": _words(
        "Garcia Martinez Rodriguez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres "
        "Flores Rivera Gomez Diaz Morales Ortiz Gutierrez Chavez Ramos Vargas Castillo "
        "Mendoza Reyes Delgado Herrera Aguilar Medina Soto "
    ),
    "asian/pacific islander": _words(
        "Nguyen Tran Le Pham Kim Lee Park Chen Wang Liu Zhang Patel Shah Singh Tanaka "
        "Yamamoto Kahale Santos Reyes Cruz Choi Huang "
    ),
    "other": _words("Haddad Khan Hassan Ali Ivanov Petrov Begay Yazzie Nakai Mansour Karimi Demir"),
}

# Staff, the first of each role: (username, first name, last name).
STAFF_NAMES = {
    "intake_clerk": ("clerk", "Rosa", "Delgado"),
    "investigator": ("investigator", "Marcus", "Whitaker"),
    "ia_supervisor": ("supervisor", "Janet", "Okafor"),
    "board_member": ("board", "Harold", "Lindqvist"),
    "board_staff": ("boardstaff", "Priya", "Raman"),
    "community_engagement": ("engagement", "Tomás", "Herrera"),
    "training_coordinator": ("training", "Dana", "Whitfield"),
    "analyst": ("analyst", "Kevin", "Tran"),
    "administrator": ("admin", "Alex", "Morgan"),
    "agency_head": ("chief", "Denise", "Caldwell"),
    "evidence_custodian": ("custodian", "Ruth", "Abernathy"),
    "field_supervisor": ("fieldsupervisor", "Michael", "Brennan"),
    "officer": ("officer", "Jasmine", "Ortiz"),
    # A civilian (the city's deputy manager) who decides the cases the chief is conflicted on.
    "decision_alternate": ("alternate", "Nadia", "Rahman"),
    "interviewer": ("interviewer", "Lucía", "Montoya"),
}

# The rest of the people a real caseload needs: internal affairs investigators and supervisors,
# and a board of five (the quorum is three).
MORE_STAFF = {
    "investigator": [
        ("investigator2", "Ana", "Castillo"),
        ("investigator3", "Daniel", "Kowalski"),
        ("investigator4", "Keisha", "Freeman"),
        ("investigator5", "Minh", "Pham"),
        ("investigator6", "Sean", "Sullivan"),
    ],
    "ia_supervisor": [("supervisor2", "Raul", "Medina")],
    "board_member": [
        ("board2", "Gloria", "Esparza"),
        ("board3", "Samuel", "Adeyemi"),
        ("board4", "Linda", "Chen"),
        ("board5", "Walter", "Brooks"),
    ],
}

# Staff who are sworn members of the department and so also on its roster, by username:
# (sex, race, years of service).
SWORN_STAFF = {
    "investigator": ("male", "black", 11),
    "investigator2": ("female", "hispanic", 9),
    "investigator3": ("male", "white", 14),
    "investigator4": ("female", "black", 7),
    "investigator5": ("male", "asian/pacific islander", 8),
    "investigator6": ("male", "white", 12),
    "supervisor": ("female", "black", 21),
    "supervisor2": ("male", "hispanic", 17),
    "chief": ("female", "white", 27),
    "fieldsupervisor": ("male", "white", 16),
    "officer": ("female", "hispanic", 5),
}

# Streets by district code, so an incident's location fits its district.
STREETS = {
    "D1": [
        "N. Lincoln Ave",
        "Prairie St",
        "Mill Rd",
        "Northgate Blvd",
        "Carver St",
        "Elm St",
        "Highland Ave",
        "Foundry Rd",
    ],
    "D2": [
        "Front St",
        "Main St",
        "Water St",
        "2nd Ave",
        "3rd Ave",
        "Market St",
        "Bridge St",
        "Commerce Dr",
    ],
    "D3": [
        "E. Grand Ave",
        "Cesar Chavez Blvd",
        "Maple St",
        "Eastgate Rd",
        "Kingsley Ave",
        "Fairview St",
        "Railroad Ave",
        "Orchard St",
    ],
    "D4": [
        "S. Jefferson St",
        "Southpark Ave",
        "Dunbar St",
        "Willow St",
        "King Dr",
        "Industrial Pkwy",
        "Cedar St",
        "Pleasant St",
    ],
    "D5": [
        "Westhills Dr",
        "Ridge Rd",
        "Oak Crest Ln",
        "Country Club Rd",
        "Sunset Blvd",
        "Birch Ave",
        "Lakeview Dr",
        "Old Mill Rd",
    ],
}

# Places people name instead of an address, by district code.
LANDMARKS = {
    "D1": ["Northside Library", "Carver Park", "Mill Road Shopping Center"],
    "D2": ["Riverton Transit Center", "City Hall Plaza", "Riverfront Trail"],
    "D3": ["Eastgate High School", "Grand Avenue Laundromat", "Fairview Park"],
    "D4": ["Southpark Community Center", "Dunbar Elementary School", "King Drive Station"],
    "D5": ["Westhills Mall", "Lakeview Park", "Ridge Road Gas & Go"],
}
