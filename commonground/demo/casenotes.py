"""What staff write in the demo's case files: triage decisions, investigative log entries,
rationales for findings, and the words of the board and the agency head.

English only: these are internal records, written by the office's staff; what residents read is
rendered from the application's translated templates.
"""

# (agency, why the report is theirs)
REFERRALS = [
    (
        "Riverton County Sheriff's Office",
        "The officers described were sheriff's deputies working the county fair detail.",
    ),
    (
        "State Highway Patrol",
        "The stop was made on the interstate by a state trooper, not by a city officer.",
    ),
    (
        "Riverton Transit Authority Police",
        "The incident happened on a city bus and involved transit police officers.",
    ),
    (
        "Riverton University Police Department",
        "The incident happened on campus and involved university police.",
    ),
    (
        "Riverton County Sheriff's Office, Corrections Division",
        "The complaint is about treatment in the county jail after booking.",
    ),
]

WITHDRAWN_AT_TRIAGE = [
    "The complainant called and asked to withdraw the complaint; they do not wish to go further.",
    "The complainant wrote to withdraw the complaint after speaking with the district commander.",
    "The complainant asked us to close the complaint: the matter was settled in court.",
]
INSUFFICIENT_INFORMATION = [
    "No date, place or officer could be identified, and the reporter left no way to reach them.",
    "Three attempts to reach the complainant failed; the report alone does not identify the "
    "incident.",
    "Dispatch records show no police contact at the time and place given; no further detail "
    "is available.",
]
CLOSED_ADMINISTRATIVELY = [
    "The complaint disputes the merits of a traffic citation, which traffic court decides.",
    "The same incident was investigated in an earlier case; the report gives no new information.",
    "The complaint is about department policy, not an officer's conduct; passed to the Chief's "
    "office as policy feedback.",
]

TO_INVESTIGATION = [
    "The allegations need a full investigation.",
    "Full investigation: the allegations are serious and the officers are identified.",
    "Assigned for full investigation; footage should exist.",
]
TO_MEDIATION = [
    "The complainant and the officer agreed to mediation; the allegations are suitable for it.",
    "The complainant asked to talk it through with the officer; referred to the Community "
    "Mediation Center.",
]
MEDIATED = [
    "The complainant and the officer met with a mediator from the Community Mediation Center "
    "and reached an agreement.",
    "Mediation session held; the complainant says they were heard and considers the matter "
    "resolved.",
]
WITHDRAWN_IN_MEDIATION = [
    "The complainant withdrew before the mediation session took place.",
]
MEDIATION_FAILED = [
    "Mediation did not resolve the complaint; the complainant asked for a full investigation.",
    "The officer declined to take part in mediation; sent to full investigation.",
]

TOLLS = [
    "Criminal charges against the complainant from the same incident are pending; interviews "
    "wait for the prosecutor.",
    "The subject officer is on extended medical leave.",
    "The complainant asked to postpone the interview while in hospital.",
    "The District Attorney is investigating the same incident; that investigation goes first.",
]

# (from whom, the request, what came back)
EVIDENCE = [
    (
        "Evidence Unit",
        "Requested the body-worn camera footage of every officer at the scene.",
        "Received body-worn camera footage: {videos} videos, {minutes} minutes in all. "
        "Reviewed in full.",
    ),
    (
        "Communications Center",
        "Requested the CAD record and radio traffic for the call.",
        "Received the CAD record and radio traffic; the times match the complaint.",
    ),
    (
        "Communications Center",
        "Requested the 911 call audio.",
        "Received the 911 call audio and transcribed the relevant part.",
    ),
    (
        "Records Unit",
        "Requested the incident report and any citation issued.",
        "Received the incident report and the citation; compared them with the footage.",
    ),
    (
        "Fleet Services",
        "Requested the in-car camera video and the patrol car's GPS log.",
        "Received the in-car video and the GPS log.",
    ),
    (
        "Complainant",
        "Asked the complainant for a signed release for the medical records.",
        "Received the urgent care records.",
    ),
]
COMPLAINANT_INTERVIEWS = [
    "Interviewed the complainant by phone; the account matches the written complaint.",
    "Interviewed the complainant in person at the office (recorded, 40 minutes).",
    "Interviewed the complainant with an interpreter; added details about the officer's words.",
]
WITNESS_INTERVIEWS = [
    "Interviewed the witness; saw the start of the encounter but not the end.",
    "The witness confirms raised voices; did not see any physical contact.",
    "Recorded interview; the witness's account partly supports the complaint.",
]
OFFICER_INTERVIEWS = [
    "Interviewed the subject officer with a union representative present; the officer "
    "describes the encounter as routine.",
    "Compelled interview of the subject officer, Garrity warning given; the officer disputes "
    "the complaint.",
    "Interviewed the subject officer, who acknowledges the contact but not the conduct alleged.",
]
WITNESS_OFFICER_INTERVIEWS = [
    "Interviewed the backup officer; describes the complainant as upset but not threatening.",
    "The witness officer arrived after the search and did not see how it began.",
]
NOTES = [
    "Canvassed the block for private cameras; none faces the street.",
    "Compared the footage timestamps with the CAD record: no gap.",
    "Checked the officer's history: no similar allegation in five years.",
    "Left two voicemails for the witness; no answer yet.",
    "Discussed the case with the supervisor; the officer interview comes next.",
]
WITNESS_OFFICER_FOUND = (
    "The CAD record shows a second unit at the scene; its officer is added as a witness."
)
UNTRUTHFUL = "The officer's written report contradicts the body-worn camera footage."

# Per finding: a few rationales an investigator might write.
RATIONALES = {
    "sustained": [
        "Body-worn camera footage confirms the complainant's account; the conduct violated policy.",
        "Two independent witnesses and the footage establish the conduct, and nothing in the "
        "officer's account justifies it.",
        "The officer admitted the conduct in interview; policy does not permit it.",
    ],
    "policy_failure": [
        "The officer followed policy, but the policy gives no guidance for this situation; a "
        "revision is recommended.",
        "No crisis team was on duty under the current staffing policy; the officer acted within "
        "policy. A policy change is recommended.",
    ],
    "not_sustained": [
        "No footage of the moment exists and the accounts conflict; the evidence can neither "
        "prove nor disprove the allegation.",
        "The only independent witness did not hear the exchange; the allegation cannot be "
        "proven or disproven.",
    ],
    "exonerated": [
        "The conduct occurred but was lawful and within policy: the complainant matched the "
        "description given in a recent call.",
        "The footage shows a reasonable response to active resistance, within the use-of-force "
        "policy.",
        "The search was lawful: the footage shows the complainant consented.",
    ],
    "unfounded": [
        "The footage shows that the conduct described did not happen.",
        "GPS and dispatch records place the officer elsewhere at the time.",
    ],
    "closed_administratively": [
        "The complainant could not be reached for an interview and no other evidence exists.",
    ],
}
UNIDENTIFIED = {
    "closed_administratively": (
        "The officer could not be identified despite a review of the shift roster and dispatch "
        "records."
    ),
    "not_sustained": (
        "No officer could be identified with certainty; the evidence cannot settle the allegation."
    ),
}
REVISED = "Revised after further investigation: {rationale}"

RETURNS = [
    "Interview the second witness named in the report before closing.",
    "The rationale on the first allegation does not address the footage; revise it.",
    "Obtain the in-car video from the backup unit.",
    "Add the dispatch timeline to the file and explain the gap in the footage.",
]

RECUSALS = [
    "I know the complainant personally.",
    "I live on the block where the incident happened.",
    "I represented the complainant in an unrelated matter.",
    "A member of my family works in the subject officer's unit.",
]
MORE_INVESTIGATION = [
    "Interview the tow truck driver who was present, and obtain the second patrol car's video.",
    "Review the officer's earlier use-of-force reports for a pattern.",
    "Obtain the footage from the city bus that passed at the time of the stop.",
]
BOARD_SUSTAINS = [
    "The board finds the footage sufficient to sustain the allegation; the investigation gave "
    "too much weight to the officer's account.",
    "The witness statements are consistent and support the complaint; the board would sustain.",
]
BOARD_DOES_NOT_SUSTAIN = [
    "The board finds the evidence too thin to sustain the allegation.",
    "The board is not persuaded by the single witness; it would not sustain the allegation.",
]

AGENCY_LIGHTER = [
    "The officer has no prior discipline and accepted responsibility; a lighter measure is "
    "proportionate.",
    "The officer has since completed de-escalation training; the Chief imposes a lighter measure.",
]
AGENCY_KEEPS_FINDING = [
    "The Chief accepts the investigator's finding: the evidence the board relied on does not "
    "establish the conduct.",
]

MEETING_LOCATION = "Riverton City Hall, Council Chambers, 100 Main St"
