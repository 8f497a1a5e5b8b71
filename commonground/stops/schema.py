"""The columns of a stop record: the Stanford Open Policing Project's standardized names, values
and types, so their published files load without reshaping.

Every loaded batch is stored as one Parquet file with exactly `STOP_SCHEMA` (plus `batch` and
`record`); analyses read those files with polars and never see raw input.
"""

import polars as pl

RACES = ["asian/pacific islander", "black", "hispanic", "white", "other", "unknown"]
SEXES = ["female", "male", "other", "unknown"]
STOP_TYPES = ["vehicular", "pedestrian"]
# OPP's outcome levels, most severe first; an empty outcome means no action was recorded.
OUTCOMES = ["arrest", "summons", "citation", "warning"]
SEARCH_BASES = ["k9", "plain view", "consent", "probable cause", "other"]

Race = pl.Enum(RACES)
Sex = pl.Enum(SEXES)
StopType = pl.Enum(STOP_TYPES)
Outcome = pl.Enum(OUTCOMES)
SearchBasis = pl.Enum(SEARCH_BASES)

# column -> type of the stored column. Order is the order of the stored file.
STOP_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date,
    "time": pl.Time,
    "location": pl.String,
    "lat": pl.Float64,
    "lng": pl.Float64,
    "district": pl.String,
    "subject_age": pl.Int16,
    "subject_race": Race,
    "subject_sex": Sex,
    "officer_id": pl.String,
    "type": StopType,
    "reason_for_stop": pl.String,
    "outcome": Outcome,
    "search_conducted": pl.Boolean,
    "search_basis": SearchBasis,
    "frisk_performed": pl.Boolean,
    "contraband_found": pl.Boolean,
}
# Columns a file must have; the others may be absent and are then empty.
REQUIRED_STOP_COLUMNS = ["date", "district", "subject_race", "type", "search_conducted"]
# Other names the same columns go by in agencies' exports.
STOP_COLUMN_ALIASES = {"reason": "reason_for_stop", "officer_id_hash": "officer_id"}

# Added to every stored row: which batch it came from and its record number in the file (1 is the
# first record after the header), so any figure can be traced back to the rows behind it.
STORED_STOP_SCHEMA: dict[str, pl.DataType] = {
    **STOP_SCHEMA,
    "batch": pl.Int32,
    "record": pl.Int32,
}
