"""QR codes that open the view on screen on a phone: the public address (``TIP_PUBLIC_URL``) plus the view's query.

Drawn by segno as inline SVG, so a slide needs no image file and no internet. Always dark modules on a light
background with the standard quiet zone, whatever the slide's theme: inverted codes defeat many phone readers.
"""

from __future__ import annotations

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


def svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element (error correction M: readable from a projected slide)."""
    return segno.make(url, error="m", micro=False).svg_inline(dark="#000000", light="#FFFFFF", border=4,
                                                             omitsize=True, title="QR code: open this view")
