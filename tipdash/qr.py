"""QR codes that open the view on screen on a phone: the public address (``TIP_PUBLIC_URL``) plus the view's query.

Drawn by segno as inline SVG, so a slide needs no image file and no internet. Always dark modules on a light
background with the standard quiet zone, whatever the slide's theme: inverted codes defeat many phone readers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import segno

# Presenter settings that would make no sense on a phone: an auto-advancing deck, a deck without its controls.
PRESENTER_ONLY = ("auto", "controls")


def view_url(base: str | None, page: str, params: Mapping[str, str | Sequence[str]]) -> str | None:
    """The public address of ``page`` with ``params`` (the view's filters and choices); None when no base is set."""
    if not base:
        return None
    kept = {k: v for k, v in params.items() if k not in PRESENTER_ONLY}
    query = urlencode(kept, doseq=True)
    return f"{base.rstrip('/')}/{page}" + (f"?{query}" if query else "")


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)  # M: still read with a part of the slide washed out


def svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element."""
    return _code(url).svg_inline(dark="#000000", light="#FFFFFF", border=4, omitsize=True,
                                 title="QR code: open this view")


def png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG (10 pixels a module), for a PowerPoint slide."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=10, border=4, dark="#000000", light="#FFFFFF")
    return out.getvalue()
