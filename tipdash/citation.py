"""How to cite the public release: one citation, written as text, BibTeX and RIS.

Built from the release's own descriptor (``datapackage.json``: its id, creation time, title, licence and whether
it is synthetic), so a citation names exactly the release its numbers came from. The About page, the Explore page
and every download's sidecar show these; ``CITATION.cff`` at the repository root cites the software itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tipcore import config
from tipdash import text

MAINTAINERS = "Pakistan TIP data dashboard maintainers"
TITLE = f"{text.APP_TITLE}: protected public release"
DEMO_LABEL = "SYNTHETIC DEMO DATA, not real cases"
NO_URL = "no public address is set (the dashboard's TIP_PUBLIC_URL setting)"


@dataclass(frozen=True)
class Citation:
    version: str | None  # the release id
    released: dt.date | None  # the day the release was created
    accessed: dt.date
    is_demo: bool
    url: str | None = config.PUBLIC_URL
    licence: str | None = None

    @property
    def title(self) -> str:
        return f"{TITLE} [{DEMO_LABEL}]" if self.is_demo else TITLE

    @property
    def year(self) -> str:
        return str(self.released.year) if self.released else "n.d."

    @property
    def note(self) -> str:
        parts = [text.DEMO_NOTE] if self.is_demo else []
        parts.append("Counts protected with differential privacy (OpenDP); each value carries a stated 95% margin.")
        if self.licence:
            parts.append(f"Licence: {self.licence}.")
        return " ".join(parts)

    def text(self) -> str:
        """Author (year). Title (version, date) [Data set]. Publisher. URL. Accessed date. Note."""
        released = f", released {self.released.isoformat()}" if self.released else ", release date unknown"
        where = self.url or f"No URL: {NO_URL}"
        return (f"{MAINTAINERS} ({self.year}). {self.title} (release {self.version or 'unknown'}{released}) "
                f"[Data set]. {MAINTAINERS}. {where}. Accessed {self.accessed.isoformat()}. {self.note}")

    def bibtex(self) -> str:
        fields = {
            # Double braces keep a group author as one name instead of first and last names.
            "author": "{" + _bibtex_escape(MAINTAINERS) + "}",
            "title": _bibtex_escape(self.title),
            "publisher": _bibtex_escape(MAINTAINERS),
            "year": self.year,
            "version": _bibtex_escape(self.version or "unknown"),
            "date": self.released.isoformat() if self.released else None,
            "url": self.url,
            "urldate": self.accessed.isoformat(),
            "howpublished": None if self.url else _bibtex_escape(NO_URL),
            "note": _bibtex_escape(self.note),
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v is not None)
        return f"@misc{{{self.key},\n{body}\n}}\n"

    def ris(self) -> str:
        tags = [
            ("TY", "DATA"), ("AU", MAINTAINERS), ("TI", self.title), ("PB", MAINTAINERS), ("PY", self.year),
            ("DA", self.released.strftime("%Y/%m/%d") if self.released else None),
            ("ET", f"release {self.version or 'unknown'}"),
            ("UR", self.url), ("Y2", self.accessed.strftime("%Y/%m/%d")), ("N1", self.note),
            ("N1", None if self.url else f"No URL: {NO_URL}."),
        ]
        return "".join(f"{tag}  - {value}\n" for tag, value in tags if value) + "ER  - \n"

    @property
    def key(self) -> str:
        """The BibTeX key: the project and the release id (ASCII letters, digits and underscores only)."""
        return "pakistan_tip_release_" + re.sub(r"[^A-Za-z0-9]+", "_", self.version or "unknown")


def for_release(package: Mapping, accessed: dt.date, url: str | None = config.PUBLIC_URL) -> Citation:
    """The citation of the release described by ``package`` (its datapackage.json), accessed on ``accessed``."""
    status = package.get("status", {})
    created = status.get("created", package.get("created"))
    licences = package.get("licenses") or []
    return Citation(
        version=status.get("release_id", package.get("version")),
        released=dt.date.fromisoformat(str(created)[:10]) if created else None,
        accessed=accessed,
        is_demo=bool(status.get("is_demo", package.get("synthetic", False))),
        url=url,
        licence=", ".join(lic.get("name", "") for lic in licences if lic.get("name")) or None,
    )


_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bibtex_escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", value.replace("\\", ""))
