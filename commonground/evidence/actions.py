"""Ingest of files: type sniffed from content, limits from settings, metadata stripped from
images by re-encoding, SHA-256 computed while the bytes are written."""

import datetime
import hashlib
import io
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from commonground.evidence.models import StoredFile

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
RE_ENCODED_IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # a decompression bomb is refused, not decoded


class RejectedFile(ValueError):
    """A file that may not be stored; the message is for the person who sent it."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str


def sniff(upload) -> Sniffed:
    name = upload.name or ""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
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


def validate_upload(upload) -> Sniffed:
    name = upload.name or ""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise RejectedFile(
            _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "name": name,
                "size": round(upload.size / 1_000_000, 1),
                "limit": settings.ATTACHMENT_MAX_BYTES // 1_000_000,
            }
        )
    if upload.size == 0:
        raise RejectedFile(_("“%(name)s” is empty.") % {"name": name})
    sniffed = sniff(upload)
    if sniffed.content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise RejectedFile(_("Files of this type are not accepted: “%(name)s”.") % {"name": name})
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[sniffed.content_type]:
        raise RejectedFile(
            _("“%(name)s” is not what its name says: its content is %(type)s.")
            % {"name": name, "type": sniffed.content_type}
        )
    return sniffed


def _strip_image_metadata(upload, content_type: str) -> io.BytesIO:
    """Re-encode the pixels only: EXIF, GPS, XMP and comments do not survive."""
    try:
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RejectedFile(_("This image is too large to process.")) from None
    except (OSError, SyntaxError, ValueError):
        raise RejectedFile(_("This image is damaged or incomplete.")) from None
    out = io.BytesIO()
    fmt = RE_ENCODED_IMAGES[content_type]
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    out.seek(0)
    return out


class _HashingFile(File):
    """Wraps a file so the SHA-256 and size are computed from the very bytes storage reads.

    Every storage back end reads through read() (File.chunks() does too); a rewind to the start
    begins the hash again, so a back end that retries from zero still gets the right digest."""

    def __init__(self, file):
        super().__init__(file)
        self._reset()

    def _reset(self):
        self.sha = hashlib.sha256()
        self.bytes_read = 0

    def seek(self, offset, whence=0):
        if offset == 0 and whence == 0:
            self._reset()
        return self.file.seek(offset, whence)

    def read(self, *args):
        data = self.file.read(*args)
        self.sha.update(data)
        self.bytes_read += len(data)
        return data


@transaction.atomic
def ingest_upload(*, upload, strip_metadata: bool, draft_key: str = "") -> StoredFile:
    """Validate and store one uploaded file. Raises RejectedFile with a resident-facing message."""
    sniffed = validate_upload(upload)
    source = upload
    stripped = False
    if strip_metadata and sniffed.content_type in RE_ENCODED_IMAGES:
        source = _strip_image_metadata(upload, sniffed.content_type)
        stripped = True
    source.seek(0)
    hashing = _HashingFile(source)
    stored = StoredFile(
        original_name=(upload.name or "upload")[-255:],
        content_type=sniffed.content_type,
        size=0,
        sha256="",
        metadata_stripped=stripped,
        uploaded_at=timezone.now(),
        draft_key=draft_key,
    )
    stored.file.save("upload", hashing, save=False)
    stored.size = hashing.bytes_read
    stored.sha256 = hashing.sha.hexdigest()
    stored.save()
    return stored


def discard_draft_files(*, older_than: datetime.timedelta) -> int:
    """Remove uploads of reports that were never filed."""
    cutoff = timezone.now() - older_than
    stale = StoredFile.objects.exclude(draft_key="").filter(uploaded_at__lt=cutoff)
    count = 0
    for stored in stale:
        stored.file.delete(save=False)
        stored.delete()
        count += 1
    return count
