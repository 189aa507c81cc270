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
from tipdash.i18n import N_, _

# Read as citation.NAME (module __getattr__ below): each in the language of the current run, like tipdash.text.
_WORDS = {
    "MAINTAINERS": N_("Pakistan TIP data dashboard maintainers"),
    "DEMO_LABEL": N_("SYNTHETIC DEMO DATA, not real cases"),
    "NO_URL": N_("no public address is set (the dashboard's TIP_PUBLIC_URL setting)"),
}


def __getattr__(name: str) -> str:
    if name in _WORDS:
        return _(_WORDS[name])
    if name == "TITLE":
        return _("{app}: protected public release").format(app=text.APP_TITLE)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _word(name: str) -> str:
    return __getattr__(name)


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
        return f"{_word('TITLE')} [{_word('DEMO_LABEL')}]" if self.is_demo else _word("TITLE")

    @property
    def year(self) -> str:
        return str(self.released.year) if self.released else _("n.d.")

    @property
    def version_text(self) -> str:
        return self.version or _("unknown")

    @property
    def note(self) -> str:
        parts = [text.DEMO_NOTE] if self.is_demo else []
        parts.append(_("Counts protected with differential privacy (OpenDP); each value carries a stated 95% margin."))
        if self.licence:
            parts.append(_("Licence: {licence}.").format(licence=self.licence))
        return " ".join(parts)

    @property
    def no_url(self) -> str:
        return _("No URL: {why}").format(why=_word("NO_URL"))

    def text(self) -> str:
        """Author (year). Title (version, date) [Data set]. Publisher. URL. Accessed date. Note."""
        words = dict(authors=_word("MAINTAINERS"), year=self.year, title=self.title, version=self.version_text,
                     where=self.url or self.no_url, accessed=self.accessed.isoformat(), note=self.note)
        if self.released:
            return _("{authors} ({year}). {title} (release {version}, released {released}) [Data set]. {authors}. "
                     "{where}. Accessed {accessed}. {note}").format(released=self.released.isoformat(), **words)
        return _("{authors} ({year}). {title} (release {version}, release date unknown) [Data set]. {authors}. "
                 "{where}. Accessed {accessed}. {note}").format(**words)

    def bibtex(self) -> str:
        maintainers = _word("MAINTAINERS")
        fields = {
            # Double braces keep a group author as one name instead of first and last names.
            "author": "{" + _bibtex_escape(maintainers) + "}",
            "title": _bibtex_escape(self.title),
            "publisher": _bibtex_escape(maintainers),
            "year": self.year,
            "version": _bibtex_escape(self.version_text),
            "date": self.released.isoformat() if self.released else None,
            "url": self.url,
            "urldate": self.accessed.isoformat(),
            "howpublished": None if self.url else _bibtex_escape(_word("NO_URL")),
            "note": _bibtex_escape(self.note),
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v is not None)
        return f"@misc{{{self.key},\n{body}\n}}\n"

    def ris(self) -> str:
        maintainers = _word("MAINTAINERS")
        tags = [
            ("TY", "DATA"), ("AU", maintainers), ("TI", self.title), ("PB", maintainers), ("PY", self.year),
            ("DA", self.released.strftime("%Y/%m/%d") if self.released else None),
            ("ET", _("release {version}").format(version=self.version_text)),
            ("UR", self.url), ("Y2", self.accessed.strftime("%Y/%m/%d")), ("N1", self.note),
            ("N1", None if self.url else self.no_url + "."),
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
