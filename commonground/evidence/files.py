"""Reading files as they arrive: the upload handler that hashes while it writes, type sniffing
from content, and the duration of audio and video. Nothing here writes to the database."""

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from hachoir.core import config as hachoir_config
from hachoir.metadata import extractMetadata
from hachoir.parser import guessParser
from hachoir.stream import InputIOStream

hachoir_config.quiet = True

# Extensions each sniffed type may carry; a name that claims another type is refused.
EXTENSIONS = {
    "image/jpeg": {".jpg", ".jpeg", ".jfif"},
    "image/png": {".png"},
    "image/webp": {".webp"},
    "image/heic": {".heic", ".heif"},
    "video/mp4": {".mp4", ".m4v"},
    "video/quicktime": {".mov", ".qt"},
    "video/webm": {".webm"},
    "audio/mpeg": {".mp3"},
    "audio/mp4": {".m4a"},
    "application/pdf": {".pdf"},
}
TIMED_TYPES = {"video/mp4", "video/quicktime", "video/webm", "audio/mpeg", "audio/mp4"}
CHUNK = 4 * 1024 * 1024


class RejectedFile(ValueError):
    """A file that may not be stored; the message is for the person who sent it."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str


def sniff(file, name: str) -> Sniffed:
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    for match in matches:
        mime = _normalise_mime(match.mime_type, match.extension)
        if mime in EXTENSIONS:
            return Sniffed(mime)
    raise RejectedFile(
        _(
            "We could not recognise the type of “%(name)s”. Allowed: photos, videos, audio "
            "recordings and PDF documents."
        )
        % {"name": name}
    )


def _normalise_mime(mime: str, extension: str) -> str:
    aliases = {".mov": "video/quicktime", ".m4a": "audio/mp4", ".heic": "image/heic"}
    return aliases.get(extension, mime)


def check_size(*, name: str, size: int, max_bytes: int, over_limit: bool = False) -> None:
    """A file must have something in it and stay within the limit; also checked before a large
    upload starts, so nobody sends 9 GB to hear that 8 is the most."""
    if over_limit or size > max_bytes:
        raise RejectedFile(
            _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "name": name,
                "size": round(size / 1_000_000, 1),
                "limit": max_bytes // 1_000_000,
            }
        )
    if size <= 0:
        raise RejectedFile(_("“%(name)s” is empty.") % {"name": name})


def validate(file, *, name: str, size: int, max_bytes: int, allowed: list[str]) -> Sniffed:
    """The checks every file passes before it is stored, each with its own message."""
    check_size(
        name=name, size=size, max_bytes=max_bytes, over_limit=getattr(file, "over_limit", False)
    )
    sniffed = sniff(file, name)
    if sniffed.content_type not in allowed:
        raise RejectedFile(_("Files of this type are not accepted: “%(name)s”.") % {"name": name})
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[sniffed.content_type]:
        raise RejectedFile(
            _("“%(name)s” is not what its name says: its content is %(type)s.")
            % {"name": name, "type": sniffed.content_type}
        )
    return sniffed


def duration_seconds(file, content_type: str) -> float | None:
    """The playing time of audio or video, read from the container's own header; None when the
    type has none or the header does not say."""
    if content_type not in TIMED_TYPES:
        return None
    file.seek(0)
    try:
        parser = guessParser(InputIOStream(file, source="upload", tags=[]))
        metadata = extractMetadata(parser) if parser else None
        duration = metadata.get("duration") if metadata and metadata.has("duration") else None
    except Exception:  # a damaged header means "unknown", never a failed ingest
        duration = None
    finally:
        file.seek(0)
    return duration.total_seconds() if duration else None


def sha256_of(file) -> tuple[str, int]:
    """Hash a whole file from the start; used where the bytes were not hashed on arrival."""
    digest, size = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


class HashedTemporaryFile(TemporaryUploadedFile):
    """An upload written to a temporary file, with the SHA-256 of exactly the bytes written.

    `over_limit` is set when the file passed the size limit: the rest was counted but not kept."""

    def __init__(self, name, content_type, charset, content_type_extra=None):
        directory = settings.FILE_UPLOAD_TEMP_DIR
        if directory:
            os.makedirs(directory, exist_ok=True)
        super().__init__(name, content_type, 0, charset, content_type_extra)
        self.sha256 = ""
        self.over_limit = False


class HashingWriter:
    """Writes chunks to a file while a second thread computes their SHA-256.

    hashlib and file writes both release the GIL on large buffers, so hashing chunk n overlaps
    writing it: the bytes cost one pass, not two. Each chunk must be `bytes` (or not changed
    until the next write), since the hashing thread may still be reading it. `finish()` waits
    for the last hash and returns the hex digest; `close()` stops without one (on interruption)."""

    def __init__(self, file):
        self.file = file
        self.size = 0
        self._digest = hashlib.sha256()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        self._pending = None

    def write(self, chunk: bytes) -> None:
        if self._pending is not None:
            self._pending.result()
        self._pending = self._pool.submit(self._digest.update, chunk)
        self.file.write(chunk)
        self.size += len(chunk)

    def finish(self) -> str:
        self.close()
        return self._digest.hexdigest()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        self._pool.shutdown(wait=True)


class HashingUploadHandler(FileUploadHandler):
    """Streams each uploaded file to disk through a `HashingWriter`.

    Memory stays at a few chunks whatever the file's size. Files over the caller's limit stop
    being written (their size is still counted, so the message can say how large they were)."""

    chunk_size = CHUNK

    def __init__(self, request=None):
        super().__init__(request)
        user = getattr(request, "user", None)
        self.max_bytes = (
            settings.EVIDENCE_MAX_BYTES
            if user is not None and user.is_authenticated
            else settings.ATTACHMENT_MAX_BYTES
        )

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = HashedTemporaryFile(
            self.file_name, self.content_type, self.charset, self.content_type_extra
        )
        self.writer = HashingWriter(self.file)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.file.over_limit = True
            return None
        self.writer.write(raw_data)
        return None

    def file_complete(self, file_size):
        sha256 = self.writer.finish()
        self.file.seek(0)
        self.file.size = self.received
        self.file.sha256 = "" if self.file.over_limit else sha256
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "writer"):
            self.writer.close()
        if hasattr(self, "file"):
            temp_location = self.file.temporary_file_path()
            try:
                self.file.close()
                os.remove(temp_location)
            except FileNotFoundError:
                pass


def local_temporary_file(suffix: str = ""):
    """A temporary file on the same disk as uploads, so moving it into storage is a rename."""
    directory = settings.FILE_UPLOAD_TEMP_DIR
    if directory:
        os.makedirs(directory, exist_ok=True)
    return tempfile.NamedTemporaryFile(suffix=suffix, dir=directory)


def open_stored(storage, name: str):
    """A stored object opened for reading from its start, streamed whatever the back end.

    django-storages' S3 files copy the whole object to a temporary file on first read; for
    gigabytes of footage that means a long wait before the first byte and a copy on the web
    host. From S3 the object's body is read as it arrives instead."""
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        return bucket.Object(storage._normalize_name(name)).get()["Body"]
    return storage.open(name, "rb")
