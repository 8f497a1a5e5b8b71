"""Copies that leave the agency without what identifies a person or a device in a file's
metadata: GPS positions, camera and phone serial numbers, owner, artist, author and copyright
names, software, comments, XMP and IPTC packets.

Nothing is decoded or re-encoded: metadata is cut out, or overwritten where cutting would move the
data that other parts of the file point at. The picture, the sound and the frames of the copy are
the very bytes of the original, which itself is never changed (copies are written elsewhere).

What each type loses:
- JPEG: every APPn segment except JFIF, the ICC colour profile and Adobe's colour marker (so EXIF
  with GPS and serial numbers, XMP, IPTC/Photoshop, maker notes, MPF), comments, and anything after
  the end of the image (second images, appended files).
- PNG: every chunk outside the image and colour ones (tEXt, zTXt, iTXt with XMP, eXIf, tIME,
  private chunks), and anything after the end.
- WebP: the EXIF and XMP chunks (and their flags), unknown chunks.
- HEIC: the EXIF and XMP items are overwritten with zeros; user data and XMP boxes are emptied.
- MP4, MOV, M4A: user data (udta: QuickTime's ©xyz location, ©mak/©mod, owner, author), metadata
  (meta: Apple's location, make, model, software keys; iTunes tags) and vendor boxes (uuid, XMP)
  at the top, in the movie and in every track become empty `free` boxes of the same size.
- WebM: Tags, Attachments and the segment title become Void elements of the same size.
- MP3: ID3v1, ID3v2 and APE tags.
- PDF: rewritten by qpdf (pikepdf), the one type that is: its document information (author,
  creator, title, producer, dates), every XMP metadata stream, application data (PieceInfo), and
  active content: JavaScript (document scripts, actions, form field scripts), the open action,
  automatic actions (AA) of the document, pages, annotations and fields, actions that launch a
  program, submit a form, import data or open another or an embedded file, XFA forms, and
  embedded files. Objects nothing points at any more (earlier revisions of an edited document)
  are left out. Page contents, images and fonts are copied as they are, not re-rendered.

What no type loses (said where copies are made): recording times in the container's own headers
(mvhd, tkhd), metadata carried as a timed track of a video (GoPro GPMF, Apple mebx location
tracks), anything written into the picture or the sound itself (a camera's burned-in overlay of
time, position or device), encoder settings inside the video stream, and names a PDF shows as
its content (the author of a comment annotation, the values of form fields)."""

from dataclasses import dataclass, field

import pikepdf
from django.utils.translation import gettext as _

from commonground.evidence.files import CHUNK, RejectedFile, local_temporary_file

STRIPPED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "video/mp4",
    "video/quicktime",
    "audio/mp4",
    "video/webm",
    "audio/mpeg",
    "application/pdf",
}


class MetadataError(RejectedFile):
    """A copy without identifying metadata cannot be made of this file; the message says why."""


@dataclass(frozen=True)
class Zeros:
    length: int


@dataclass(frozen=True)
class Whole:
    """A copy written out in full beforehand (a rewritten PDF): a temporary file, closed (and
    removed) with the plan."""

    file: object


@dataclass
class Plan:
    """How to write the copy: ranges of the original (start, end), literal bytes and zeros, in
    order; and what was removed, as short names for a manifest ("exif", "xmp", ...)."""

    pieces: list = field(default_factory=list)
    removed: set = field(default_factory=set)

    def copy(self, start: int, end: int) -> None:
        if end <= start:
            return
        if self.pieces and isinstance(self.pieces[-1], tuple) and self.pieces[-1][1] == start:
            self.pieces[-1] = (self.pieces[-1][0], end)
        else:
            self.pieces.append((start, end))

    def write(self, data: bytes) -> None:
        if data:
            self.pieces.append(data)

    def zeros(self, length: int) -> None:
        if length > 0:
            self.pieces.append(Zeros(length))


def _damaged(name: str) -> MetadataError:
    return MetadataError(
        _("“%(name)s” is damaged: its metadata could not be read, so no copy was made of it.")
        % {"name": name}
    )


def _size(file) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def _read(file, offset: int, length: int) -> bytes:
    file.seek(offset)
    return file.read(length)


def plan_copy(file, content_type: str, *, name: str) -> Plan:
    """The plan of a copy of `file` without identifying metadata (see the module's notes)."""
    planners = {
        "image/jpeg": _jpeg,
        "image/png": _png,
        "image/webp": _webp,
        "image/heic": _heif,
        "video/mp4": _movie,
        "video/quicktime": _movie,
        "audio/mp4": _movie,
        "video/webm": _webm,
        "audio/mpeg": _mp3,
        "application/pdf": _pdf,
    }
    planner = planners.get(content_type)
    if planner is None:
        raise MetadataError(
            _("Files of type %(type)s cannot be copied without their metadata.")
            % {"type": content_type}
        )
    try:
        return planner(file, _size(file), name)
    except MetadataError:
        raise
    except (ValueError, IndexError, EOFError, OSError):
        raise _damaged(name) from None
    finally:
        file.seek(0)


def write_copy(file, plan: Plan, out) -> int:
    """Write the planned copy to `out`, streaming; returns how many bytes were written."""
    written = 0
    for piece in plan.pieces:
        if isinstance(piece, bytes):
            out.write(piece)
            written += len(piece)
        elif isinstance(piece, Whole):
            piece.file.seek(0)
            while block := piece.file.read(CHUNK):
                out.write(block)
                written += len(block)
        elif isinstance(piece, Zeros):
            left = piece.length
            while left:
                block = b"\x00" * min(left, CHUNK)
                out.write(block)
                left -= len(block)
            written += piece.length
        else:
            start, end = piece
            file.seek(start)
            left = end - start
            while left:
                block = file.read(min(left, CHUNK))
                if not block:
                    raise EOFError("the file is shorter than it was")
                out.write(block)
                left -= len(block)
            written += end - start
    file.seek(0)
    return written


def clean_copy(file, content_type: str, *, name: str):
    """A local temporary file holding the copy, from its start, and what was removed."""
    plan = plan_copy(file, content_type, name=name)
    out = local_temporary_file()
    try:
        write_copy(file, plan, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, sorted(plan.removed)


# --- JPEG -----------------------------------------------------------------------------------------

_JPEG_KEPT = set(range(0xC0, 0xD0)) | set(range(0xDB, 0xE0))  # frames, tables, restart interval


def _jpeg(file, size, name):
    plan = Plan()
    if _read(file, 0, 2) != b"\xff\xd8":
        raise _damaged(name)
    plan.copy(0, 2)
    pos = 2
    while pos < size:
        head = _read(file, pos, 2)
        if len(head) < 2 or head[0] != 0xFF:
            raise _damaged(name)
        marker = head[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image: anything after it is dropped
            plan.copy(pos, pos + 2)
            if pos + 2 < size:
                plan.removed.add("data after the image")
            return plan
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            plan.copy(pos, pos + 2)
            pos += 2
            continue
        length = int.from_bytes(_read(file, pos + 2, 2), "big")
        if length < 2:
            raise _damaged(name)
        end = pos + 2 + length
        if marker == 0xDA:  # start of scan: the compressed picture follows, up to the next marker
            end = _end_of_scan(file, end, size)
            plan.copy(pos, end)
        elif marker in _JPEG_KEPT or _harmless_app(marker, _read(file, pos + 4, 14)):
            plan.copy(pos, end)
        else:
            plan.removed.add(_jpeg_label(marker, _read(file, pos + 4, 40)))
        pos = end
    raise _damaged(name)


def _harmless_app(marker: int, payload: bytes) -> bool:
    return (
        (marker == 0xE0 and payload.startswith((b"JFIF\x00", b"JFXX\x00")))
        or (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"))
        or (marker == 0xEE and payload.startswith(b"Adobe"))
    )


def _jpeg_label(marker: int, payload: bytes) -> str:
    if marker == 0xE1 and payload.startswith(b"Exif"):
        return "exif"
    if marker == 0xE1 and b"adobe" in payload.lower():
        return "xmp"
    if marker == 0xED:
        return "iptc"
    if marker == 0xFE:
        return "comments"
    return "other metadata"


def _end_of_scan(file, pos: int, size: int) -> int:
    """Where the entropy-coded data of a scan ends: the first 0xFF followed by a byte that is
    neither a stuffed zero, a restart marker nor another 0xFF (fill)."""

    def ends_scan(byte: int) -> bool:
        return byte not in (0x00, 0xFF) and not 0xD0 <= byte <= 0xD7

    file.seek(pos)
    offset, after_ff = pos, False
    while block := file.read(CHUNK):
        if after_ff and ends_scan(block[0]):
            return offset - 1
        i = block.find(b"\xff")
        while i != -1 and i + 1 < len(block):
            if ends_scan(block[i + 1]):
                return offset + i
            i = block.find(b"\xff", i + 1)
        after_ff = block.endswith(b"\xff")
        offset += len(block)
    return size


# --- PNG ------------------------------------------------------------------------------------------

_PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _png(file, size, name):
    plan = Plan()
    if _read(file, 0, 8) != b"\x89PNG\r\n\x1a\n":
        raise _damaged(name)
    plan.copy(0, 8)
    pos = 8
    while pos + 12 <= size:
        head = _read(file, pos, 8)
        length, kind = int.from_bytes(head[:4], "big"), head[4:8]
        end = pos + 12 + length
        if end > size:
            raise _damaged(name)
        if kind in _PNG_KEPT:
            plan.copy(pos, end)
        elif kind == b"eXIf":
            plan.removed.add("exif")
        elif kind == b"iTXt" and _read(file, pos + 8, 18).startswith(b"XML:com.adobe.xmp"):
            plan.removed.add("xmp")
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            plan.removed.add("text")
        elif kind == b"tIME":
            plan.removed.add("time of last change")
        else:
            plan.removed.add("other metadata")
        pos = end
        if kind == b"IEND":
            if pos < size:
                plan.removed.add("data after the image")
            return plan
    raise _damaged(name)


# --- WebP -----------------------------------------------------------------------------------------

_WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def _webp(file, size, name):
    header = _read(file, 0, 12)
    if header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        raise _damaged(name)
    end_of_riff = min(size, 8 + int.from_bytes(header[4:8], "little"))
    body = Plan()
    pos, total = 12, 4
    while pos + 8 <= end_of_riff:
        head = _read(file, pos, 8)
        kind, length = head[:4], int.from_bytes(head[4:8], "little")
        end = pos + 8 + length + (length & 1)
        if end > end_of_riff + 1:
            raise _damaged(name)
        end = min(end, end_of_riff)
        if kind == b"VP8X":
            chunk = bytearray(_read(file, pos, end - pos))
            chunk[8] &= ~0x0C & 0xFF  # no EXIF, no XMP
            body.write(bytes(chunk))
            total += len(chunk)
        elif kind in _WEBP_KEPT:
            body.copy(pos, end)
            total += end - pos
        else:
            body.removed.add({b"EXIF": "exif", b"XMP ": "xmp"}.get(kind, "other metadata"))
        pos = end
    if end_of_riff < size:
        body.removed.add("data after the image")
    plan = Plan(removed=body.removed)
    plan.write(b"RIFF" + total.to_bytes(4, "little") + b"WEBP")
    plan.pieces += body.pieces
    return plan


# --- ISO base media: HEIC, MP4, MOV, M4A ----------------------------------------------------------


def _boxes(file, start: int, end: int):
    """(offset, header length, total length, type) of each box between start and end."""
    pos = start
    while pos + 8 <= end:
        head = _read(file, pos, 16)
        length, kind = int.from_bytes(head[:4], "big"), head[4:8]
        header = 8
        if length == 1:
            length, header = int.from_bytes(head[8:16], "big"), 16
        elif length == 0:
            length = end - pos
        if length < header or pos + length > end:
            raise ValueError("a box runs past its container")
        yield pos, header, length, kind
        pos += length


_MOVIE_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf"}
_MOVIE_METADATA = {b"udta": "user data", b"meta": "metadata", b"uuid": "vendor data"}


def _movie(file, size, name):
    plan = Plan()
    blanks = []
    _find_movie_metadata(file, 0, size, blanks, plan.removed)
    pos = 0
    for offset, header, length in sorted(blanks):
        plan.copy(pos, offset + 4)
        plan.write(b"free")
        plan.copy(offset + 8, offset + header)
        plan.zeros(length - header)
        pos = offset + length
    plan.copy(pos, size)
    return plan


def _find_movie_metadata(file, start, end, blanks, removed):
    for offset, header, length, kind in _boxes(file, start, end):
        if kind in _MOVIE_METADATA:
            blanks.append((offset, header, length))
            removed.add(_MOVIE_METADATA[kind])
        elif kind in _MOVIE_CONTAINERS:
            _find_movie_metadata(file, offset + header, offset + length, blanks, removed)


@dataclass
class _Heif:
    items: dict = field(default_factory=dict)  # item id -> (type, content type)
    extents: dict = field(default_factory=dict)  # item id -> [(method, offset, length)]
    idat: int | None = None
    sizes: list = field(default_factory=list)  # (width, height) of every ispe


def _parse_heif(file, size) -> tuple[_Heif, list]:
    heif, others = _Heif(), []
    for offset, header, length, kind in _boxes(file, 0, size):
        if kind == b"meta":
            _heif_meta(file, offset + header + 4, offset + length, heif)
        elif kind in _MOVIE_METADATA or kind == b"moov":
            others.append((offset, header, length, kind))
    return heif, others


def _heif_meta(file, start, end, heif):
    for offset, header, length, kind in _boxes(file, start, end):
        body = offset + header
        if kind == b"iinf":
            version = _read(file, body, 1)[0]
            first = body + 4 + (2 if version == 0 else 4)
            for e_offset, e_header, e_length, e_kind in _boxes(file, first, offset + length):
                if e_kind == b"infe":
                    _heif_infe(_read(file, e_offset + e_header, e_length - e_header), heif)
        elif kind == b"iloc":
            _heif_iloc(_read(file, body, length - header), heif)
        elif kind == b"idat":
            heif.idat = body
        elif kind == b"iprp":
            for p_offset, p_header, p_length, p_kind in _boxes(file, body, offset + length):
                if p_kind == b"ipco":
                    _heif_ipco(file, p_offset + p_header, p_offset + p_length, heif)


def _heif_infe(data: bytes, heif):
    version = data[0]
    if version >= 2:
        width = 2 if version == 2 else 4
        item = int.from_bytes(data[4 : 4 + width], "big")
        rest = data[4 + width + 2 :]
        kind, rest = rest[:4], rest[4:]
        content_type = b""
        if kind == b"mime":
            parts = rest.split(b"\x00")
            content_type = parts[1] if len(parts) > 1 else b""
        heif.items[item] = (kind, content_type)
    else:
        item = int.from_bytes(data[4:6], "big")
        parts = data[8:].split(b"\x00")
        heif.items[item] = (b"mime", parts[1] if len(parts) > 1 else b"")


def _heif_iloc(data: bytes, heif):
    version = data[0]
    offset_size, length_size = data[4] >> 4, data[4] & 0x0F
    base_size = data[5] >> 4
    index_size = data[5] & 0x0F if version in (1, 2) else 0
    pos = 6

    def take(width):
        nonlocal pos
        value = int.from_bytes(data[pos : pos + width], "big") if width else 0
        pos += width
        return value

    count = take(2 if version < 2 else 4)
    for _item in range(count):
        item = take(2 if version < 2 else 4)
        method = take(2) & 0x0F if version in (1, 2) else 0
        take(2)  # data reference index
        base = take(base_size)
        extents = []
        for _extent in range(take(2)):
            take(index_size)
            extents.append((method, base + take(offset_size), take(length_size)))
        heif.extents[item] = extents


def _heif_ipco(file, start, end, heif):
    for offset, header, _length, kind in _boxes(file, start, end):
        if kind == b"ispe":
            data = _read(file, offset + header + 4, 8)
            heif.sizes.append((int.from_bytes(data[:4], "big"), int.from_bytes(data[4:], "big")))


def heif_dimensions(file) -> tuple[int, int]:
    """The largest image a HEIC file declares, from its properties, without decoding it."""
    heif, _others = _parse_heif(file, _size(file))
    if not heif.sizes:
        raise ValueError("no image size in the file")
    return max(heif.sizes, key=lambda s: s[0] * s[1])


def _heif(file, size, name):
    heif, others = _parse_heif(file, size)
    ranges, removed = [], set()
    for item, (kind, content_type) in heif.items.items():
        if kind == b"Exif":
            label = "exif"
        elif kind == b"mime" and content_type.startswith(b"application/rdf+xml"):
            label = "xmp"
        else:
            continue
        for method, offset, length in heif.extents.get(item, []):
            if method == 1 and heif.idat is not None:
                offset += heif.idat
            elif method != 0:
                raise _damaged(name)
            ranges.append((offset, length or size - offset))
        removed.add(label)
    for offset, header, length, kind in others:
        if kind == b"moov":
            blanks = []
            _find_movie_metadata(file, offset + header, offset + length, blanks, removed)
            ranges += [(o + h, n - h) for o, h, n in blanks]
        else:
            ranges.append((offset + header, length - header))
            removed.add(_MOVIE_METADATA[kind])
    plan, pos = Plan(removed=removed), 0
    for offset, length in sorted(ranges):
        if offset < pos or offset + length > size:
            raise _damaged(name)
        plan.copy(pos, offset)
        plan.zeros(length)
        pos = offset + length
    plan.copy(pos, size)
    return plan


# --- WebM (Matroska) ------------------------------------------------------------------------------

_SEGMENT, _CLUSTER, _INFO = 0x18538067, 0x1F43B675, 0x1549A966
_EBML_BLANKED = {0x1254C367: "tags", 0x1941A469: "attachments"}
_TITLE = 0x7BA9
_TOP_LEVEL = {0x1F43B675, 0x1C53BB6B, 0x1254C367, 0x1043A770, 0x1941A469, 0x114D9B74, 0x1549A966}
_TOP_LEVEL.add(0x1654AE6B)


def _vint(file, pos: int, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at pos: (value, its length, whether it means unknown)."""
    first = _read(file, pos, 1)
    if not first or first[0] == 0:
        raise ValueError("not an EBML number")
    width = 9 - first[0].bit_length()
    raw = int.from_bytes(_read(file, pos, width), "big")
    value = raw if keep_marker else raw & ((1 << (7 * width)) - 1)
    unknown = not keep_marker and value == (1 << (7 * width)) - 1
    return value, width, unknown


def _element(file, pos: int):
    ident, id_width, _ = _vint(file, pos, True)
    length, size_width, unknown = _vint(file, pos + id_width, False)
    return ident, id_width + size_width, None if unknown else length


def _void(total: int) -> bytes:
    """A Void element of exactly `total` bytes (at least 2), all zeros inside."""
    if total < 9:
        return bytes([0xEC, 0x80 | (total - 2)]) + b"\x00" * (total - 2)
    return b"\xec\x01" + (total - 9).to_bytes(7, "big") + b"\x00" * 0


def _webm(file, size, name):
    blanks, removed = [], set()
    ident, header, length = _element(file, 0)
    if ident != 0x1A45DFA3 or length is None:
        raise _damaged(name)
    pos = header + length
    while pos < size:
        ident, header, length = _element(file, pos)
        end = size if length is None else pos + header + length
        if ident == _SEGMENT:
            _webm_segment(file, pos + header, end, blanks, removed)
        pos = end
    plan, pos = Plan(removed=removed), 0
    for offset, total in sorted(blanks):
        plan.copy(pos, offset)
        void = _void(total)
        plan.write(void)
        plan.zeros(total - len(void))
        pos = offset + total
    plan.copy(pos, size)
    return plan


def _webm_segment(file, start, end, blanks, removed):
    pos = start
    while pos < end:
        ident, header, length = _element(file, pos)
        if length is None:
            if ident != _CLUSTER:
                raise ValueError("an element of unknown size")
            pos = _end_of_cluster(file, pos + header, end)
            continue
        total = header + length
        if ident in _EBML_BLANKED:
            blanks.append((pos, total))
            removed.add(_EBML_BLANKED[ident])
        elif ident == _INFO:
            inner = pos + header
            while inner < pos + total:
                child, child_header, child_length = _element(file, inner)
                if child_length is None:
                    raise ValueError("an element of unknown size")
                if child == _TITLE:
                    blanks.append((inner, child_header + child_length))
                    removed.add("title")
                inner += child_header + child_length
        pos += total


def _end_of_cluster(file, pos, end):
    while pos < end:
        ident, header, length = _element(file, pos)
        if ident in _TOP_LEVEL or length is None:
            return pos
        pos += header + length
    return end


# --- MP3 ------------------------------------------------------------------------------------------


def _mp3(file, size, name):
    plan, start, end = Plan(), 0, size
    while _read(file, start, 3) == b"ID3":
        head = _read(file, start, 10)
        length = 0
        for byte in head[6:10]:
            length = (length << 7) | (byte & 0x7F)
        start += 10 + length + (10 if head[5] & 0x10 else 0)
        plan.removed.add("id3")
    if end - start >= 128 and _read(file, end - 128, 3) == b"TAG":
        end -= 128
        plan.removed.add("id3")
        if end - start >= 227 and _read(file, end - 227, 4) == b"TAG+":
            end -= 227
    if end - start >= 32 and _read(file, end - 32, 8) == b"APETAGEX":
        footer = _read(file, end - 32, 32)
        length = int.from_bytes(footer[12:16], "little")
        has_header = int.from_bytes(footer[20:24], "little") & 0x80000000
        end -= length + (32 if has_header else 0)
        plan.removed.add("ape")
    if start >= end:
        raise _damaged(name)
    plan.copy(start, end)
    return plan


# --- PDF ------------------------------------------------------------------------------------------

# Keys removed from every dictionary of the document, with what they held.
_PDF_REMOVED_KEYS = {
    "/Metadata": "xmp",
    "/PieceInfo": "application data",
    "/OpenAction": "open action",
    "/AA": "automatic actions",
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/EmbeddedFiles": "embedded files",
    "/EF": "embedded files",
    "/XFA": "xfa form",
}
# Actions that run something, send something or open another file: removed wherever they are
# (links to web addresses and within the document stay).
_PDF_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/GoToR",
    "/Rendition",
    "/RichMediaExecute",
    "/Sound",
    "/Movie",
}


def _pdf(file, size, name):
    """The copy is the document rewritten by qpdf (pikepdf) without what _PDF_REMOVED_KEYS and
    _PDF_ACTIVE_ACTIONS name and without its document information: objects nothing points at
    any more (earlier revisions of an edited file, say) are left out, streams are copied as they
    are (pages are not re-rendered). Fails closed: the copy is read back and refused if any of
    it is left."""
    file.seek(0)
    try:
        pdf = pikepdf.open(file)
    except pikepdf.PasswordError:
        raise MetadataError(
            _("“%(name)s” is protected by a password, so no copy without its metadata was made.")
            % {"name": name}
        ) from None
    except pikepdf.PdfError:
        raise _damaged(name) from None
    out = local_temporary_file(suffix=".pdf")
    try:
        with pdf:
            removed = _clean_pdf(pdf)
            pdf.save(
                out,
                preserve_pdfa=False,
                fix_metadata_version=False,
                encryption=False,
                deterministic_id=True,
            )
        out.seek(0)
        with pikepdf.open(out) as check:
            if _clean_pdf(check):
                raise MetadataError(
                    _(
                        "“%(name)s” still held metadata or active content after cleaning, so no "
                        "copy was made. Remove it with a PDF tool, attach the result as a "
                        "redacted copy, and give out that copy."
                    )
                    % {"name": name}
                )
    except pikepdf.PdfError:
        out.close()
        raise _damaged(name) from None
    except BaseException:
        out.close()
        raise
    plan = Plan(removed=removed)
    plan.pieces.append(Whole(out))
    return plan


def _clean_pdf(pdf) -> set[str]:
    """Remove the document information, _PDF_REMOVED_KEYS and active actions from every object
    reachable in `pdf`; return what was removed (empty if the document was clean)."""
    removed = set()
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
        removed.add("document properties")
    seen = set()
    pending = [pdf.trailer]
    while pending:
        current = pending.pop()
        if current.is_indirect:
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        if isinstance(current, pikepdf.Array):
            pending.extend(v for v in current if isinstance(v, (pikepdf.Dictionary, pikepdf.Array)))
            continue
        if not isinstance(current, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        for key, label in _PDF_REMOVED_KEYS.items():
            if key in current:
                del current[key]
                removed.add(label)
        for key in list(current.keys()):
            value = current[key]
            if _is_active_action(value):
                del current[key]
                removed.add("active content")
            elif isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
                pending.append(value)
    if "/Names" in pdf.Root and not len(pdf.Root.Names.keys()):
        del pdf.Root["/Names"]
    return removed


def _is_active_action(value) -> bool:
    if not isinstance(value, pikepdf.Dictionary) or "/S" not in value:
        return False
    if str(value.S) == "/URI":  # a link to a web page or an address stays; javascript: does not
        address = bytes(value.get("/URI", b"")).strip().lower()
        return not address.startswith((b"http:", b"https:", b"mailto:"))
    return str(value.S) in _PDF_ACTIVE_ACTIONS
