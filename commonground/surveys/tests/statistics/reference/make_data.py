"""Writes respondents.csv and margins.json, the data the R reference (reference.R) reads.

Run once from this folder: `python make_data.py && Rscript reference.R` (writes expected.json).
Seeded: the same files every time. A few hundred synthetic respondents in five districts sampled
at different rates (so design weights differ by stratum), some categories thin (age 18-24, race
"other"), and answers with item non-response.
"""

import csv
import json

import numpy as np

SEED = 20261207
POPULATION = {"N": 30_000, "E": 25_000, "S": 20_000, "W": 15_000, "C": 10_000}
SAMPLED = {"N": 90, "E": 60, "S": 100, "W": 70, "C": 40}
CATEGORIES = {
    "age_band": (["18-24", "25-34", "35-44", "45-64", "65+"], [0.03, 0.15, 0.2, 0.37, 0.25]),
    "sex": (["female", "male"], [0.58, 0.42]),
    "race": (["asian", "black", "hispanic", "white", "other"], [0.06, 0.25, 0.22, 0.44, 0.03]),
    "tenure": (["own", "rent"], [0.62, 0.38]),
    "contact": (["none", "stopped", "complained", "called"], [0.6, 0.15, 0.05, 0.2]),
}
# Population shares the sample is raked to (the sample leans old, female and owning).
SHARES = {
    "age_band": [0.12, 0.2, 0.2, 0.3, 0.18],
    "sex": [0.51, 0.49],
    "race": [0.07, 0.3, 0.25, 0.34, 0.04],
    "tenure": [0.5, 0.5],
}


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows = []
    for district, n in SAMPLED.items():
        for _ in range(n):
            row = {"district": district, "design_weight": POPULATION[district] / n}
            for variable, (cats, p) in CATEGORIES.items():
                row[variable] = cats[rng.choice(len(cats), p=p)]
            lean = (row["contact"] == "stopped") + 0.5 * (district == "S")
            safe = int(np.clip(np.round(rng.normal(3.6 - lean, 1.1)), 1, 5))
            row["safe"] = "" if rng.random() < 0.08 else str(safe)
            problem = ["traffic", "burglary", "drugs", "noise"][
                rng.choice(4, p=[0.4, 0.3, 0.2, 0.1])
            ]
            row["problem"] = "" if rng.random() < 0.05 else problem
            trust = float(np.clip(np.round(rng.normal(6.5 - 1.5 * lean, 2.0)), 0, 10))
            row["trust"] = "" if rng.random() < 0.1 else f"{trust:g}"
            rows.append(row)
    with open("respondents.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    total = sum(POPULATION.values())
    margins = {"district": POPULATION}
    for variable, shares in SHARES.items():
        cats = CATEGORIES[variable][0]
        counts = [round(s * total) for s in shares]
        counts[-1] = total - sum(counts[:-1])
        margins[variable] = dict(zip(cats, counts, strict=True))
    with open("margins.json", "w") as out:
        json.dump(margins, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
