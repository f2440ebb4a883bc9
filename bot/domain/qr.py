"""QR codes as PNG (segno: pure Python, no image library needed)."""

from __future__ import annotations

import io

import segno


def qr_png(text: str, *, scale: int = 10) -> bytes:
    """A QR code of `text` as PNG bytes, error correction M (survives a crease on a poster)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
