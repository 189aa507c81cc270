"""One way to compare what agencies type: the folded form of a value, used by every matcher.

Urdu is typed with Arabic or Persian code points for the same letter (yeh ي/ی/ى, kaf ك/ک, heh ه/ہ), with or without
harakat, tatweel and zero-width joiners, and with Urdu, Arabic-Indic or Latin digits; Latin text comes in any case,
with or without accents. Two spellings that fold to the same text are the same value: district names
(etl.districts), agency codes, legal sections, countries, ages and sentences (etl.lookups).
"""

from __future__ import annotations

import unicodedata

# Arabic and Persian code points of the letters Urdu writes with its own (yeh, alef maksura, kaf, heh, teh marbuta,
# heh with yeh above), read as the Urdu letter; tatweel and zero-width (non-)joiners carry no spelling.
_URDU_LETTERS = {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0647": "\u06c1", "\u06c0": "\u06c1",
                 "\u0629": "\u06c1", "\u0640": None, "\u200c": None, "\u200d": None}
# Extended Arabic-Indic (Urdu) and Arabic-Indic digits, read as 0-9.
_DIGITS = {chr(base + i): str(i) for base in (0x06F0, 0x0660) for i in range(10)}
_FOLD = str.maketrans({**_URDU_LETTERS, **_DIGITS})


def folded(text: str) -> str:
    """``text`` as compared: compatibility forms decomposed and diacritics (Latin accents, Urdu harakat) dropped,
    Urdu letter variants and digits folded, case folded, runs of whitespace made one space, ends trimmed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD).casefold()
    return " ".join(text.split())
