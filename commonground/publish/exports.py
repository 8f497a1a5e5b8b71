"""Bulk files streamed from a release's Parquet, a slice at a time: memory stays flat however
many rows a dataset has."""

import io
import json
from collections.abc import Iterator

import polars as pl

from commonground.lib.spreadsheet import neutralise_frame
from commonground.publish.models import ReleaseFile
from commonground.stops.storage import local_path

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
# Rows per row group of a released record set, and so per slice read back for a download.
BATCH_ROWS = 50_000


def batches(file: ReleaseFile) -> Iterator[pl.DataFrame]:
    """The file's rows a slice at a time; a slice is a row group of the file as written, so each
    read decodes only what it returns."""
    path = local_path(file.name)
    for offset in range(0, file.rows, BATCH_ROWS):
        yield pl.scan_parquet(path).slice(offset, BATCH_ROWS).collect()


def csv_chunks(file: ReleaseFile) -> Iterator[bytes]:
    header = True
    for batch in batches(file):
        buffer = io.BytesIO()
        neutralise_frame(batch).write_csv(buffer, include_header=header)
        header = False
        yield buffer.getvalue()
    if header:  # no rows: still the header line, from the file's schema
        schema = pl.read_parquet_schema(local_path(file.name))
        yield (",".join(schema) + "\n").encode()


def json_chunks(file: ReleaseFile, dictionary: list[dict]) -> Iterator[bytes]:
    """One JSON document: what the dataset is, then its rows as objects."""
    head = {
        "dataset": file.dataset,
        "built_at": file.release.finished_at.isoformat(),
        "fields": dictionary,
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [').encode()
    first = True
    for batch in batches(file):
        if batch.height == 0:
            continue
        # Each batch as a JSON array, without its brackets: the rows join the document's array.
        if not first:
            yield b","
        yield batch.write_json().encode()[1:-1]
        first = False
    yield b"]}\n"


def parquet_chunks(file: ReleaseFile, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    with local_path(file.name).open("rb") as handle:
        while data := handle.read(chunk):
            yield data
