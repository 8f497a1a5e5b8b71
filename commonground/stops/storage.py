"""Where a batch's Parquet file is read from.

polars reads local files fastest and needs no credentials of its own, so on S3 each process keeps
a local copy of every batch file it reads (files never change once written: a new batch is a new
name). On the local disk the stored file is read in place.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from commonground.evidence.files import open_stored

COPY_CHUNK = 8 * 1024 * 1024


def store_file(local: Path, name: str) -> str:
    """Store a finished local file under `name` (or a free name like it); return the name."""
    with local.open("rb") as handle:
        return default_storage.save(name, File(handle, name=os.path.basename(name)))


def local_path(name: str) -> Path:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return _cached_copy(name)


def _cached_copy(name: str) -> Path:
    target = Path(settings.STOPS_CACHE_DIR) / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its final place and renamed, so a reader never sees half a file.
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, open_stored(default_storage, name) as body:
            while chunk := body.read(COPY_CHUNK):
                out.write(chunk)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)
        cached = Path(settings.STOPS_CACHE_DIR) / name
        cached.unlink(missing_ok=True)
