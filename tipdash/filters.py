"""The shared filters: a frozen dataclass, the sidebar widgets that set it, and the URL that reproduces it.

Flow on every run: URL -> (validated) session state -> widgets -> Filters -> URL. The URL is read on a session's
first run and whenever it differs from what this session last wrote (browser back/forward, a pasted link);
otherwise the widgets are the truth. A page switch through a link that carries no filters (Streamlit's own page
links drop the query string) keeps them. Every value from the URL is checked against a whitelist from the
warehouse; anything else is dropped, so nothing from the address bar reaches SQL except as a known value (and
queries bind it anyway).

The browser adds a history entry for every change of the query string Streamlit sends, and it sends one for every
assignment to ``st.query_params``. So the URL is written whole, in one assignment, and only when it changed: the
filters once before the page runs (a page that stops early, with st.stop, runs nothing after it), a page choice
when it changes. One entry per deliberate change, and Back restores the view as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import streamlit as st

from tipdash import i18n, text
from tipdash.i18n import N_, _


@dataclass(frozen=True)
class FilterOptions:
    """What the filters may hold, read from the warehouse."""

    year_min: int
    year_max: int
    default_years: tuple[int, int]
    agencies: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    districts: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, province)

    def district_label(self, district_id: str) -> str:
        name, province = self.districts.get(district_id, (district_id, ""))
        return text.district_label(name, province) if province else i18n.place(name)


@dataclass(frozen=True)
class Filters:
    year_from: int
    year_to: int
    offences: tuple[str, ...] = ()  # empty: every trafficking offence
    include_smuggling: bool = False
    sexes: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()

    @property
    def years(self) -> int:
        return self.year_to - self.year_from + 1

    @property
    def period(self) -> str:
        return text.period(self.year_from, self.year_to)

    def previous(self) -> Filters:
        """The same filters over the previous period of equal length."""
        return replace(self, year_from=self.year_from - self.years, year_to=self.year_to - self.years)

    def for_district(self, district_id: str) -> Filters:
        return replace(self, provinces=(), districts=(district_id,))

    def for_province(self, province: str) -> Filters:
        return replace(self, provinces=(province,), districts=())

    def for_pakistan(self) -> Filters:
        return replace(self, provinces=(), districts=())

    def describe(self, options: FilterOptions | None = None) -> str:
        """The active filters in words, for captions and downloads."""
        parts = [self.period]
        sep = _(", ")
        if self.offences:
            parts.append(_("offence: {names}").format(names=sep.join(text.offence(o) for o in self.offences)))
        parts.append(_("smuggling of migrants included") if self.include_smuggling
                     else _("smuggling of migrants excluded"))
        if self.sexes:
            sexes = text.SEXES
            parts.append(_("victim sex: {names}").format(names=sep.join(sexes.get(s, s) for s in self.sexes)))
        if self.age_bands:
            parts.append(_("victim age: {names}").format(names=sep.join(self.age_bands)))
        if self.scopes:
            scopes = text.SCOPES
            parts.append(_("scope: {names}").format(names=sep.join(scopes.get(s, s) for s in self.scopes)))
        if self.agencies:
            agencies = text.AGENCY_TYPES
            parts.append(_("agency: {names}").format(names=sep.join(agencies.get(a, a) for a in self.agencies)))
        if self.provinces:
            parts.append(_("province: {names}").format(names=sep.join(i18n.place(p) for p in self.provinces)))
        if self.districts:
            label = options.district_label if options else str
            parts.append(_("district: {names}").format(names=sep.join(label(d) for d in self.districts)))
        return " · ".join(parts)


# Widget keys, URL keys and whitelists ------------------------------------------------------------------------

KEYS = {  # URL key -> widget key
    "years": "f_years",
    "offence": "f_offence",
    "smuggling": "f_smuggling",
    "sex": "f_sex",
    "age": "f_age",
    "scope": "f_scope",
    "agency": "f_agency",
    "province": "f_province",
    "district": "f_district",
}
_LAST_URL = "_filters_last_url"  # the filters' URL values as this session last wrote them
_LAST_PAGE = "_filters_last_page"  # the page of the session's previous run
_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def _allowed(options: FilterOptions) -> dict[str, tuple[str, ...]]:
    return {
        "offence": tuple(text.OFFENCES),
        "sex": tuple(text.SEXES),
        "age": tuple(text.AGE_BANDS),
        "scope": tuple(text.SCOPES),
        "agency": options.agencies,
        "province": options.provinces,
        "district": tuple(options.districts),
    }


def default_filters(options: FilterOptions) -> Filters:
    return Filters(*options.default_years)


def parse_years(raw: str | None, options: FilterOptions) -> tuple[int, int] | None:
    """'2019-2024' or '2023' inside the warehouse's years, else None."""
    match = _YEARS.match(raw or "")
    if not match:
        return None
    lo = int(match.group(1))
    hi = int(match.group(2) or lo)
    if lo > hi or lo < options.year_min or hi > options.year_max:
        return None
    return lo, hi


def from_query_params(params: Mapping[str, Iterable[str]], options: FilterOptions) -> Filters:
    """Filters from URL values (each a list of strings). Unknown or malformed values are ignored."""
    allowed = _allowed(options)
    years = parse_years(next(iter(params.get("years", [])), None), options) or options.default_years

    def pick(key: str) -> tuple[str, ...]:
        values = [v for v in params.get(key, []) if v in allowed[key]]
        return tuple(dict.fromkeys(values))  # de-duplicated, order kept

    smuggling = next(iter(params.get("smuggling", [])), "") in ("1", "true", "yes")
    return Filters(
        year_from=years[0], year_to=years[1], offences=pick("offence"), include_smuggling=smuggling,
        sexes=pick("sex"), age_bands=pick("age"), scopes=pick("scope"), agencies=pick("agency"),
        provinces=pick("province"), districts=pick("district"),
    )


# What each URL key is called in the notice about values a link asked for that the release does not hold.
URL_WORDS = {"offence": N_("offence"), "sex": N_("victim sex"), "age": N_("victim age band"), "scope": N_("scope"),
             "agency": N_("type of agency"), "province": N_("province"), "district": N_("district")}
_SHOWN_VALUE = re.compile(r"[^\w .,'-]")


def _quoted(raw: str) -> str:
    """A value from the address bar, safe to print in Markdown: word characters, spaces and .,'- only, 30 at most
    (a crafted link must not put its own links or formatting on the page)."""
    return "“" + _SHOWN_VALUE.sub("?", raw)[:30] + "”"


def ignored_url_values(params: Mapping[str, Iterable[str]], options: FilterOptions) -> list[str]:
    """What a link asked for that the release does not hold, one phrase per value ('province “Atlantis”'):
    :func:`from_query_params` leaves these out, and the page says so."""
    allowed = _allowed(options)
    out = []
    for raw in list(params.get("years", []))[:1]:
        if parse_years(raw, options) is None:
            out.append(_("years {value} (the data covers {first}–{last})").format(
                value=_quoted(raw), first=options.year_min, last=options.year_max))
    for key, word in URL_WORDS.items():
        out.extend(f"{_(word)} {_quoted(v)}" for v in params.get(key, []) if v not in allowed[key])
    return out


def to_query_params(f: Filters, options: FilterOptions) -> dict[str, list[str]]:
    """The URL values of ``f``; values equal to the defaults are left out to keep links short."""
    out: dict[str, list[str]] = {}
    if (f.year_from, f.year_to) != options.default_years:
        out["years"] = [f"{f.year_from}-{f.year_to}" if f.year_from != f.year_to else str(f.year_from)]
    for key, values in (("offence", f.offences), ("sex", f.sexes), ("age", f.age_bands), ("scope", f.scopes),
                        ("agency", f.agencies), ("province", f.provinces), ("district", f.districts)):
        if values:
            out[key] = list(values)
    if f.include_smuggling:
        out["smuggling"] = ["1"]
    return out


def _url_values() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in KEYS if key in st.query_params}


def _seed_widgets(f: Filters) -> None:
    st.session_state[KEYS["years"]] = (f.year_from, f.year_to)
    st.session_state[KEYS["offence"]] = list(f.offences)
    st.session_state[KEYS["smuggling"]] = f.include_smuggling
    st.session_state[KEYS["sex"]] = list(f.sexes)
    st.session_state[KEYS["age"]] = list(f.age_bands)
    st.session_state[KEYS["scope"]] = list(f.scopes)
    st.session_state[KEYS["agency"]] = list(f.agencies)
    st.session_state[KEYS["province"]] = list(f.provinces)
    st.session_state[KEYS["district"]] = list(f.districts)


def _reset(options: FilterOptions) -> None:
    _seed_widgets(default_filters(options))


def _keep_valid(key: str, allowed: Iterable[str]) -> None:
    """Drop session values a widget no longer offers (e.g. districts of a province just deselected)."""
    allowed = set(allowed)
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in allowed]


def sidebar(options: FilterOptions, page: str = "") -> Filters:
    """Draw the shared filters in the sidebar and return them; keeps the URL in step (before the page runs).

    ``page`` names the page this run draws: an empty URL on a page switch keeps the filters, an empty URL on the
    same page (Back to a view without filters) resets them.
    """
    url = _url_values()
    switched = st.session_state.get(_LAST_PAGE, page) != page
    st.session_state[_LAST_PAGE] = page
    if KEYS["years"] not in st.session_state or (url != st.session_state.get(_LAST_URL) and (url or not switched)):
        _seed_widgets(from_query_params(url, options))
        if ignored := ignored_url_values(url, options):
            st.warning(_("This link asked for what the data does not hold, so it was left out: {values}.").format(
                values="; ".join(ignored)), icon=":material/link_off:")

    sb = st.sidebar
    sb.markdown("### " + _("Filters"))
    years = sb.slider(
        _("Years reported"), min_value=options.year_min, max_value=max(options.year_max, options.year_min + 1),
        key=KEYS["years"], help=_("Cases are counted by the year their complaint reached an agency."),
    )
    offence_labels = text.OFFENCES
    offences = sb.multiselect(
        _("Offence"), list(offence_labels), key=KEYS["offence"], format_func=offence_labels.get,
        placeholder=_("All trafficking offences"),
    )
    smuggling = sb.toggle(
        _("Include smuggling of migrants"), key=KEYS["smuggling"], help=text.SMUGGLING_EXPLAINED,
    )
    provinces = sb.multiselect(
        _("Province"), list(options.provinces), key=KEYS["province"], format_func=i18n.place,
        placeholder=_("All provinces"),
    )
    district_ids = [d for d, (_name, prov) in options.districts.items() if not provinces or prov in provinces]
    _keep_valid(KEYS["district"], district_ids)
    districts = sb.multiselect(
        _("District"), district_ids, key=KEYS["district"], format_func=options.district_label,
        placeholder=_("All districts"),
    )
    with sb.expander(_("Victims, scope and agency"), expanded=False):
        sex_labels, scope_labels, agency_labels = text.SEXES, text.SCOPES, text.AGENCY_TYPES
        sexes = st.multiselect(_("Victim sex"), list(sex_labels), key=KEYS["sex"], format_func=sex_labels.get,
                               placeholder=_("Any"),
                               help=_("Counts victims of this sex. The release holds victims by sex and age band, "
                                      "so with this filter only victim counts are shown."))
        ages = st.multiselect(_("Victim age band"), list(text.AGE_BANDS), key=KEYS["age"],
                              format_func=text.AGE_BANDS_LABELS.get, placeholder=_("Any"),
                              help=_("Counts victims in this age band (victim counts only, as for sex)."))
        scopes = st.multiselect(_("Internal or transnational"), list(scope_labels), key=KEYS["scope"],
                                format_func=scope_labels.get, placeholder=_("Both"))
        agencies = st.multiselect(_("Type of source agency"), list(options.agencies), key=KEYS["agency"],
                                  format_func=lambda a: agency_labels.get(a, a), placeholder=_("All agencies"),
                                  help=_("The release counts cases by type of agency and province (not by "
                                         "district)."))
    sb.button(_("Reset filters"), key="f_reset", on_click=_reset, args=(options,), width="stretch")

    year_from, year_to = years if isinstance(years, (tuple, list)) else (years, years)
    f = Filters(
        year_from=int(year_from), year_to=int(min(year_to, options.year_max)), offences=tuple(offences),
        include_smuggling=bool(smuggling), sexes=tuple(sexes), age_bands=tuple(ages), scopes=tuple(scopes),
        agencies=tuple(agencies), provinces=tuple(provinces), districts=tuple(districts),
    )
    st.session_state[_LAST_URL] = to_query_params(f, options)
    _write_url(st.session_state[_LAST_URL], keys=KEYS)
    return f


def link_params() -> dict[str, list[str]]:
    """The URL values of this run's filters and language, for links to other pages (the page's own choices stay
    behind)."""
    params = dict(st.session_state.get(_LAST_URL, {}))
    if i18n.language() != i18n.ENGLISH:
        params[i18n.URL_KEY] = [i18n.language()]
    return params


# The language (English / Urdu), in the URL as lang=ur ---------------------------------------------------------

LANGUAGE_KEY = "f_lang"


def url_language() -> str:
    """The language the URL asks for (``lang``); English when it names none or one the dashboard does not have."""
    return i18n.parse_language(st.query_params.get(i18n.URL_KEY))


def _switch_language() -> None:
    # A widget callback runs before the rerun, so the whole next run (titles, menu, page) reads the new language.
    chosen = st.session_state[LANGUAGE_KEY]
    _write_url({i18n.URL_KEY: [chosen]} if chosen != i18n.ENGLISH else {}, keys=(i18n.URL_KEY,))


def language_switch() -> None:
    """The language choice (English / اردو) at the top of the sidebar, mirrored in the URL (left out for English).

    The URL is the truth: it is read before anything is drawn, so Back, a pasted link and a page link all carry
    the language, and the switch shows what the URL says.
    """
    st.session_state[LANGUAGE_KEY] = i18n.language()
    st.sidebar.segmented_control("Language · زبان", list(i18n.LANGUAGES), key=LANGUAGE_KEY,
                                 format_func=i18n.LANGUAGES.get, required=True, on_change=_switch_language,
                                 label_visibility="collapsed")


def _write_url(wanted: Mapping[str, list[str]], keys: Iterable[str]) -> None:
    """Make ``keys`` hold ``wanted`` in the URL (absent from it: left out), other keys kept, in one assignment and
    only if something changed: each query string sent to the browser is one history entry."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    new = {key: values for key, values in current.items() if key not in keys}
    new.update({key: list(values) for key, values in wanted.items() if key in keys and values})
    if new != current:
        st.query_params.from_dict(new)


# Page-level choices (a measure, a district) that also belong in the URL -------------------------------------


def choose_years(year_from: int, year_to: int) -> None:
    """Button callback: set the years filter (runs before the rerun, so before the slider is drawn again)."""
    st.session_state[KEYS["years"]] = (year_from, year_to)


def page_choice(key: str, allowed: list, default, url_key: str | None = None,
                parse: Callable[[str], object] = str):
    """Seed a page widget's session value from the URL (whitelisted) the first time it is drawn.

    Call before drawing the widget with ``key=key``; then call :func:`remember` with its value.
    """
    url_key = url_key or key
    if key not in st.session_state or st.session_state.get(f"_url_{key}") != st.query_params.get(url_key):
        raw = st.query_params.get(url_key)
        try:
            value = parse(raw) if raw is not None else default
        except (TypeError, ValueError):
            value = default
        st.session_state[key] = value if value in allowed else default
    return st.session_state[key]


def remember(key: str, value, default, url_key: str | None = None) -> None:
    """Mirror a page widget's value in the URL (left out when it is the default)."""
    url_key = url_key or key
    shown = None if value is None or value == default else str(value)
    _write_url({url_key: [shown]} if shown is not None else {}, keys=(url_key,))
    st.session_state[f"_url_{key}"] = shown
