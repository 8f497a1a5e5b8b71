"""Reading files as they arrive: the upload handler that hashes while it writes and holds each
route to its size limits, clean names, type sniffing from content, image dimensions, and the
duration of audio and video. Nothing here writes to the database."""

import hashlib
import locale
import os
import re
import tempfile
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from hachoir.core import config as hachoir_config
from hachoir.metadata import extractMetadata
from hachoir.parser import guessParser
from hachoir.stream import InputIOStream
from PIL import Image, UnidentifiedImageError

from commonground.lib.sizes import readable_size

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
# The image formats Pillow reads a header of (HEIC is read by evidence.metadata).
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
CHUNK = 4 * 1024 * 1024
# Pillow refuses to open anything far larger than our own limit (its "decompression bomb" error),
# so that no code path, not even one that forgets to ask, decodes a pixel flood.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS


class RejectedFile(ValueError):
    """A file that may not be stored; the message is for the person who sent it."""


class FileTooLarge(RejectedFile):
    """A file over its size limit (said before its bytes are sent, when they are sent in pieces)."""


# --- Names ----------------------------------------------------------------------------------------

NAME_MAX_CHARS = 150
# Control, format (bidirectional overrides...), surrogate, private-use and unassigned characters.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Except the joiners Persian, Hindi and emoji need to be spelled right.
_KEPT_JOINERS = {"\u200c", "\u200d"}
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*]')
# Names Windows keeps for devices: an exported file called CON.jpg cannot be unpacked there.
_DEVICE_NAMES = {"con", "prn", "aux", "nul"} | {
    f"{d}{n}" for d in ("com", "lpt") for n in range(10)
}


def clean_name(name: str | None, *, default: str = "upload") -> str:
    """The name a file is shown and exported under: the last part of whatever path the sender
    gave, without control or invisible characters (NUL, newlines, right-to-left overrides that
    make "gpj.exe" read as "exe.jpg"), characters no file system takes, or leading and trailing
    dots and spaces; at most NAME_MAX_CHARS characters, keeping the extension. Never used to
    decide where a file is stored: stored objects are named by a random UUID."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(c) in ("Zs", "Zl", "Zp") or c in "\t\r\n" else c
        for c in name
        if unicodedata.category(c) not in _INVISIBLE or c in _KEPT_JOINERS or c in "\t\r\n"
    )
    name = _UNSAFE_IN_NAMES.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if "." in name:
        stem, extension = name.rsplit(".", 1)
        stem, extension = stem.rstrip(" ."), extension.strip()[:16]
    else:
        stem, extension = name, ""
    if not stem and extension:
        stem, extension = extension, ""  # ".jpg" alone is a stem, not a type
    stem = stem[: NAME_MAX_CHARS - len(extension) - 1].rstrip(" .")
    if not stem:
        stem = default
    if stem.split(".")[0].lower() in _DEVICE_NAMES:
        stem = f"_{stem}"
    return f"{stem}.{extension}" if extension else stem


# --- Types ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    content_type: str


# Content that is never a photo, recording or document, whatever its name says, each with the
# plain words used to refuse it. Checked before anything else, from the first bytes.
_ARCHIVE_SIGNATURES = (
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"PK\x07\x08", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\x28\xb5\x2f\xfd", "Zstandard"),
    (b"\x04\x22\x4d\x18", "LZ4"),
    (b"MSCF", "CAB"),
    (b"xar!", "XAR"),
    (b"\x1f\x9d", "compress"),
    (b"\x1f\xa0", "compress"),
)
_PROGRAM_SIGNATURES = (
    b"MZ",  # Windows programs and libraries (PE)
    b"\x7fELF",  # Linux and Unix programs
    b"\xfe\xed\xfa\xce",  # macOS programs (Mach-O), both byte orders and widths
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # macOS universal programs, Java classes
    b"#!",  # scripts
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android
)


def _refuse_hostile(head: bytes, name: str) -> None:
    """Archives, compressed files, programs and anything written in a markup language (web
    pages, SVG drawings, XML) are refused for what they are, whatever their name claims: an
    archive may unpack to far more than it weighs (a "zip bomb"), and markup may run script in a
    browser that is shown it."""
    for signature, kind in _ARCHIVE_SIGNATURES:
        if head.startswith(signature):
            raise RejectedFile(
                _(
                    "“%(name)s” is a compressed archive (%(kind)s), not a photo, video, recording "
                    "or document. Archives are not accepted: send the files inside it one by one."
                )
                % {"name": name, "kind": kind}
            )
    if len(head) > 262 and head[257:262] == b"ustar":
        raise RejectedFile(
            _(
                "“%(name)s” is a compressed archive (%(kind)s), not a photo, video, recording "
                "or document. Archives are not accepted: send the files inside it one by one."
            )
            % {"name": name, "kind": "tar"}
        )
    if head.startswith(_PROGRAM_SIGNATURES):
        raise RejectedFile(
            _(
                "“%(name)s” is a program or script, not a photo, video, recording or document. "
                "It was not accepted."
            )
            % {"name": name}
        )
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n").lower()
    if text.startswith(b"<") or b"<script" in text or b"<svg" in text or b"<html" in text:
        raise RejectedFile(
            _(
                "“%(name)s” is a web page, drawing or other marked-up text (HTML, SVG or XML), "
                "not a photo, video, recording or document. It was not accepted."
            )
            % {"name": name}
        )


def sniff(file, name: str) -> Sniffed:
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    _refuse_hostile(head, name)
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
    # puremagic names a phone's HEIC photo ("ftypheic") image/heif: the same format.
    aliases = {
        ".mov": "video/quicktime",
        ".m4a": "audio/mp4",
        ".heic": "image/heic",
        ".heif": "image/heic",
    }
    return aliases.get(extension, mime)


def check_size(*, name: str, size: int, max_bytes: int, over_limit: bool = False) -> None:
    """A file must have something in it and stay within the limit; also checked before a large
    upload starts, so nobody sends 9 GB to hear that 8 is the most."""
    if over_limit or size > max_bytes:
        raise FileTooLarge(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": readable_size(size), "limit": readable_size(max_bytes)}
        )
    if size <= 0:
        raise RejectedFile(_("“%(name)s” is empty.") % {"name": name})


def max_image_pixels() -> int:
    return settings.IMAGE_MAX_PIXELS


def image_dimensions(file, content_type: str) -> tuple[int, int]:
    """Width and height as the image's header declares them, read without decoding a pixel.
    Raises RejectedFile when the header cannot be read as the type sniffed."""
    from commonground.evidence.metadata import heif_dimensions

    file.seek(0)
    try:
        if content_type == "image/heic":
            return heif_dimensions(file)
        with warnings.catch_warnings():
            # Pillow warns of large images; the limit below says no in words.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=[PILLOW_FORMATS[content_type]]) as image:
                return image.size
    finally:
        file.seek(0)


def check_pixels(file, *, name: str, content_type: str) -> None:
    """An image is refused when its header declares more pixels than we decode (a "pixel
    flood": a few kilobytes that would take gigabytes of memory to open), before any pixel is
    decoded, and when the header is not one of its type."""
    limit = max_image_pixels()
    too_many = RejectedFile(
        _(
            "“%(name)s” has too many pixels to be opened safely: the most we accept is "
            "%(limit)s million. Send a smaller version of the image."
        )
        % {"name": name, "limit": f"{limit / 1_000_000:g}"}
    )
    try:
        width, height = image_dimensions(file, content_type)
    except Image.DecompressionBombError:
        raise too_many from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise RejectedFile(
            _("“%(name)s” is damaged, or is not really a %(type)s image.")
            % {"name": name, "type": content_type.split("/")[1].upper()}
        ) from None
    if width <= 0 or height <= 0:
        raise RejectedFile(
            _("“%(name)s” is damaged, or is not really a %(type)s image.")
            % {"name": name, "type": content_type.split("/")[1].upper()}
        )
    if width * height > limit:
        raise too_many


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
    if sniffed.content_type.startswith("image/"):
        check_pixels(file, name=name, content_type=sniffed.content_type)
    return sniffed


def duration_seconds(file, content_type: str) -> float | None:
    """The playing time of audio or video, read from the container's own header; None when the
    type has none or the header does not say."""
    if content_type not in TIMED_TYPES:
        return None
    file.seek(0)
    # hachoir switches the process to the "C" locale to read dates in tags, and its attempt to
    # switch back keeps "C": every later open() without an encoding would then read ASCII.
    previous_locale = locale.setlocale(locale.LC_ALL)
    try:
        parser = guessParser(InputIOStream(file, source="upload", tags=[]))
        metadata = extractMetadata(parser) if parser else None
        duration = metadata.get("duration") if metadata and metadata.has("duration") else None
    except Exception:  # a damaged header means "unknown", never a failed ingest
        duration = None
    finally:
        locale.setlocale(locale.LC_ALL, previous_locale)
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


# --- Size limits per request -----------------------------------------------------------------


class UploadTooLarge(RequestDataTooBig):
    """A request larger than its route accepts: refused before (or as soon as) its body passes
    the limit, never read to the end. Views under evidence.decorators.limit_upload answer 413;
    elsewhere Django answers 400, as for any request body over its limits."""

    def __init__(self, limit: "UploadLimit", size: int | None = None):
        super().__init__(limit.message(size))
        self.limit, self.size = limit, size


@dataclass(frozen=True)
class UploadLimit:
    """What one route accepts: `request_bytes` for the whole body, `file_bytes` for any one file
    in it, `files` files at most. A file over its own limit inside an acceptable request is kept
    out but the request goes on, so the form can say which file and keep what was typed.
    `what` is what the body is ("form", "piece" of a resumable upload, "announcement" of one)."""

    request_bytes: int
    file_bytes: int
    files: int = 1
    what: str = "form"

    def message(self, size: int | None = None) -> str:
        if self.what == "piece":
            return _("This piece is %(size)s bytes; send pieces of at most %(limit)s bytes.") % {
                "size": size if size else _("more than %(limit)s") % {"limit": self.request_bytes},
                "limit": self.request_bytes,
            }
        if self.what == "announcement":
            return _("Say only the file's name and its size in bytes.")
        sent = (
            _("What you sent (%(size)s) is more than we can receive at once.")
            % {"size": readable_size(size)}
            if size
            else _("What you sent is more than we can receive at once.")
        )
        if self.files > 1:
            most = ngettext(
                "You can send %(count)d file of at most %(limit)s at a time.",
                "You can send up to %(count)d files of at most %(limit)s each at a time.",
                self.files,
            ) % {"count": self.files, "limit": readable_size(self.file_bytes)}
            return " ".join(
                [sent, most, _("Choose fewer or smaller files; you can add more afterwards.")]
            )
        most = _("The most one file may be is %(limit)s.") % {
            "limit": readable_size(self.file_bytes)
        }
        return " ".join([sent, most, _("Choose a smaller file.")])


def form_overhead() -> int:
    """What a form's fields and each part's headers may add to its files: the most Django reads
    into memory for fields, and a little for the headers."""
    return (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2 * 1024 * 1024) + 64 * 1024


def resident_upload_limit() -> UploadLimit:
    """A resident's form (or a clerk's intake of it): every attachment allowed, each at most the
    attachment limit, plus the form."""
    files, each = settings.ATTACHMENT_MAX_FILES, settings.ATTACHMENT_MAX_BYTES
    return UploadLimit(files * each + form_overhead(), each, files)


def evidence_upload_limit() -> UploadLimit:
    """Staff evidence sent whole in one form (footage, an investigator's file, a redaction)."""
    each = settings.EVIDENCE_MAX_BYTES
    return UploadLimit(each + form_overhead(), each)


def case_files_upload_limit() -> UploadLimit:
    """A case log entry with the investigator's files."""
    files, each = settings.ATTACHMENT_MAX_FILES, settings.EVIDENCE_MAX_BYTES
    return UploadLimit(files * each + form_overhead(), each, files)


def chunk_upload_limit() -> UploadLimit:
    """One piece of a resumable upload: the raw bytes, nothing else."""
    each = settings.EVIDENCE_UPLOAD_CHUNK_BYTES
    return UploadLimit(each, each, what="piece")


def announcement_limit() -> UploadLimit:
    """The JSON that announces a resumable upload: a name and a size."""
    return UploadLimit(64 * 1024, settings.EVIDENCE_MAX_BYTES, what="announcement")


def policy_pdf_upload_limit() -> UploadLimit:
    each = settings.POLICY_PDF_MAX_BYTES
    return UploadLimit(each + form_overhead(), each)


def stops_import_upload_limit() -> UploadLimit:
    each = settings.STOPS_IMPORT_MAX_BYTES
    return UploadLimit(each + form_overhead(), each)


# Routes that take files, by URL name. Views in evidence and complaints also name their limit
# (evidence.decorators.limit_upload) and answer 413; here, the upload handler enforces the same
# limits on every route, including those in other apps.
ROUTE_LIMITS = {
    "complaints:files": resident_upload_limit,
    "complaints:add_information": resident_upload_limit,
    "complaints:staff_intake": resident_upload_limit,
    "evidence:import_footage": evidence_upload_limit,
    "evidence:item_action": evidence_upload_limit,
    "evidence:start_upload": announcement_limit,
    "evidence:upload_chunk": chunk_upload_limit,
    "investigations:case_action": case_files_upload_limit,
    "training:policy_new": policy_pdf_upload_limit,
    "training:version_new": policy_pdf_upload_limit,
    "training:version_edit": policy_pdf_upload_limit,
    "stops:batch_list": stops_import_upload_limit,
}


def upload_limit_for(request) -> UploadLimit:
    """The limit a request is held to: the one its view named, its route's, or for any other
    route a resident's (anyone) or an investigator's (staff), as before routes had their own."""
    named = getattr(request, "upload_limit", None)
    if named is not None:
        return named
    match = getattr(request, "resolver_match", None)
    route = ROUTE_LIMITS.get(match.view_name if match else "")
    if route is not None:
        return route()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return evidence_upload_limit()
    return resident_upload_limit()


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


# --- Receiving uploads ------------------------------------------------------------------------


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
    """Streams each uploaded file to disk through a `HashingWriter`, within its route's limits.

    Memory stays at a few chunks whatever the file's size. A request whose declared length is
    over the route's limit is refused before a byte of it is read, and one whose body turns out
    longer than that (no length declared, or a false one) as soon as it passes it: UploadTooLarge
    either way. A file over the per-file limit stops being written (its size is still counted,
    so the message can say how large it was) while the rest of the form is read."""

    chunk_size = CHUNK

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit_for(request)
        self.max_bytes = self.limit.file_bytes
        self.total = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit.request_bytes:
            raise UploadTooLarge(self.limit, content_length)
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = HashedTemporaryFile(
            self.file_name, self.content_type, self.charset, self.content_type_extra
        )
        self.writer = HashingWriter(self.file)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.total > self.limit.request_bytes:
            self.upload_interrupted()
            raise UploadTooLarge(self.limit)
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
