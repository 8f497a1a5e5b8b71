"""Small real files for tests: each is what its type says, built byte by byte."""

import io

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
