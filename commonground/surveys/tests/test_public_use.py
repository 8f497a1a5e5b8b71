"""The public-use file: k-anonymous on its quasi-identifiers, no free text, no ids, weights
kept, and SPSS/Stata files whose value labels read back."""

import io

import polars as pl
import pyreadstat
import pytest

from commonground.surveys import public_use
from commonground.surveys.models import Response
from commonground.surveys.tests.publish_helpers import published_wave

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_every_combination_of_quasi_identifiers_occurs_at_least_threshold_times(threshold):
    wave = published_wave(n=60, seed=threshold)
    file = public_use.build(wave, threshold)
    frame = file.frame
    assert frame.height == 60
    qi = file.quasi_identifiers
    assert {"district", "age_band", "sex", "race_ethnicity", "tenure", "language"} <= set(qi)
    groups = frame.group_by([pl.col(c).fill_null("") for c in qi]).agg(n=pl.len())
    assert groups["n"].min() >= threshold
    # Coarsened only as far as needed: something is still published beyond the district.
    assert file.steps_taken


def test_rows_unique_after_every_step_are_suppressed_and_counted():
    wave = published_wave(n=12, seed=3)
    file = public_use.build(wave, 10)
    groups = file.frame.group_by([pl.col(c).fill_null("") for c in file.quasi_identifiers]).agg(
        n=pl.len()
    )
    assert groups["n"].min() >= 10
    assert file.rows_suppressed >= 2
    assert (file.frame["district"] == public_use.WITHHELD).sum() == file.rows_suppressed
    assert file.cells_suppressed == file.rows_suppressed * len(file.quasi_identifiers)


def test_no_free_text_no_exact_numbers_no_ids_and_the_weights_add_up():
    wave = published_wave(n=40, comment="My neighbour Ana Ruiz at 12 Elm St was stopped")
    file = public_use.build(wave, 5)
    text = public_use.csv_bytes(file).decode()
    assert "Ana Ruiz" not in text and "Elm St" not in text
    assert "comment" not in file.frame.columns and "age" not in file.frame.columns
    ids = {str(pk) for pk in Response.objects.filter(wave=wave).values_list("id", flat=True)}
    assert not ids & set(text.replace("\n", ",").split(","))
    assert sorted(file.frame["respondent"].to_list()) == list(range(1, 41))
    total = sum(Response.objects.filter(wave=wave).values_list("weight", flat=True))
    assert file.frame["weight"].sum() == pytest.approx(total)
    # A multiple-choice question: one 0/1 column per choice.
    assert {"contact_kind_stopped", "contact_kind_called"} <= set(file.frame.columns)
    codebook = pl.read_csv(io.BytesIO(public_use.codebook_csv(file)))
    assert {"safe", "trust", "weight", "district"} <= set(codebook["variable"].to_list())
    assert any("free text" in line for line in file.left_out)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_carry_the_value_labels(fmt, tmp_path):
    wave = published_wave(n=30)
    file = public_use.build(wave, 3)
    path = tmp_path / f"wave.{fmt}"
    path.write_bytes(public_use.stats_file(file, fmt))
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    data, meta = read(str(path), output_format="polars")
    assert data.height == 30
    labels = meta.variable_value_labels
    safe = {int(k): v for k, v in labels["safe"].items()}
    assert safe[4].endswith("Agree") and safe[5].endswith("Strongly agree")
    assert "white" in " ".join(labels["race_ethnicity"].values()) or "other" in " ".join(
        labels["race_ethnicity"].values()
    )
    assert dict(zip(meta.column_names, meta.column_labels, strict=True))["weight"].startswith(
        "Final weight"
    )
    assert data["weight"].sum() == pytest.approx(file.frame["weight"].sum())
