"""Names for greetings: a LinkedIn display name cleaned of everything that is not a name.

People decorate their display names: credentials ("Pat Sample, MBA, PMP"), pronouns
("Jane Doe (she/her)"), titles ("Dr. Jane Doe"), emoji and taglines ("Jane Doe 🚀 | Hiring"),
"Last, First" order, ALL CAPS. A greeting built from the raw value reads like a mail merge, which
is exactly what recipients resent. These functions return the name to greet, or None when
nothing usable remains (only emoji, only an initial "J.", a placeholder like "LinkedIn Member").

How it works, in order:

1. scrub (our code): Unicode NFKC (turns "𝗝𝗮𝗻𝗲" and full-width letters into plain letters),
   drop bracketed parts and pronouns, cut at separators (| • · " - " " / " @ :), drop hashtags
   and decoration phrases (data file `names_decorations.txt`), keep only letters, combining
   marks, spaces and . , ' ’ -;
2. parse (nameparser): titles, post-nominal credentials (its table plus
   `names_credentials.txt`), "Last, First" order, particles, case repair ("MCDONALD" ->
   "McDonald", "O'NEIL" -> "O'Neil");
3. pick: the first-name field wins when it yields a name; otherwise the full name's given name.
   Initials alone are not a name. A token written in one case (all upper or all lower) is
   re-cased; mixed case ("McDonald", "DeShawn") is the person's own spelling and is kept.

Names in CJK scripts (Han, Kana, Hangul) are returned as written (only scrubbed): their order
and forms of address differ, so a full CJK name is kept whole rather than guessed at.

Plain values ("Jane") skip the parser, and results are cached: cleaning is done per final
recipient, so it has to be cheap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

from nameparser import Lexicon, Parser, Role
from nameparser import ParsedName as _ParsedName


def _data_lines(name: str) -> list[str]:
    """Entries of a data file in planner/data: one per line, `#` comments and blanks skipped."""
    text = resources.files("planner").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


_PARSER: Final = Parser(
    lexicon=Lexicon.default().add(suffix_acronyms=_data_lines("names_credentials.txt"))
)
_LEXICON: Final = _PARSER.lexicon


def _key(word: str) -> str:
    return word.lower().replace(".", "").replace("-", "")


#: Words that make a one-word value worth a real parse ("Dr", "MBA", "Jr", "and").
_SPECIAL: Final[frozenset[str]] = frozenset(
    _key(w)
    for w in (
        *_LEXICON.titles,
        *_LEXICON.suffix_acronyms,
        *_LEXICON.suffix_words,
        *_LEXICON.conjunctions,
    )
)
_PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    s.lower() for s in _data_lines("names_placeholders.txt")
)
_NAME_ROLES: Final = (Role.GIVEN, Role.MIDDLE, Role.FAMILY)

_LETTER = r"[^\W\d_]"
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}|<[^<>]*>")
_OPEN_BRACKET_TAIL = re.compile(r"[(\[{<].*$", re.S)
_PRONOUNS = re.compile(
    rf"(?i)(?<!{_LETTER})(?:pronouns?\s*:?\s*)?"
    r"(?:she|he|they|ze|xe|zie|sie|er|ey|any)\s*/\s*"
    r"(?:her|hers|him|his|them|their|theirs|they|zir|hir|xem|ihr|ihm|em|all|any|she|he)"
    rf"(?:\s*/\s*{_LETTER}+)*(?!{_LETTER})"
)
# Separators after which a display name continues with a tagline: "Jane Doe | Hiring".
_SEPARATOR = re.compile(r"\s[-–—/]+\s|[|•·∙⋅●▪■◆◇♦✦✧►▶➤→⇒~:@–—]")
_HASHTAG = re.compile(r"#\S*")
_DECORATIONS = re.compile(
    rf"(?i)(?<!{_LETTER})(?:"
    + "|".join(
        r"\s+".join(re.escape(part) for part in phrase.split())
        for phrase in sorted(_data_lines("names_decorations.txt"), key=len, reverse=True)
    )
    + rf")(?!{_LETTER})"
)
_KEEP_PUNCT: Final = frozenset(" .,'’-‐")
_LONE_PUNCT = re.compile(r"(?<!\S)[.,'’\-‐]+(?!\S)")
_SPACE_COMMA = re.compile(r"\s*,[\s,]*")
_SPACES = re.compile(r"\s+")
_INITIAL = re.compile(rf"(?:{_LETTER}\.)+|{_LETTER}")
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


@dataclass(frozen=True, slots=True)
class CleanName:
    """A cleaned name: the name to greet, the family name and the whole name (each may be None)."""

    first: str | None
    last: str | None
    full: str | None


def clean_first_name(
    first_name: object = None, last_name: object = None, full_name: object = None
) -> str | None:
    """The name to greet ("Dr. Jane Doe, MBA (she/her)" -> "Jane"), or None if none is usable.

    Pass whatever the candidate row has; empty values, None and NaN are fine.
    """
    return clean_name(first_name, last_name, full_name).first


def clean_last_name(
    first_name: object = None, last_name: object = None, full_name: object = None
) -> str | None:
    """The family name without credentials or decorations ("Doe, PhD 🚀" -> "Doe"), or None."""
    return clean_name(first_name, last_name, full_name).last


def clean_full_name(
    first_name: object = None, last_name: object = None, full_name: object = None
) -> str | None:
    """The whole name without titles, credentials or decorations ("Doe, Jane" -> "Jane Doe")."""
    return clean_name(first_name, last_name, full_name).full


def clean_name(
    first_name: object = None, last_name: object = None, full_name: object = None
) -> CleanName:
    """First, last and full name cleaned together (one parse for all three)."""
    return _clean(_as_text(first_name), _as_text(last_name), _as_text(full_name))


# --------------------------------------------------------------------------- internals


def _as_text(value: object) -> str:
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


@lru_cache(maxsize=131_072)
def _clean(first: str, last: str, full: str) -> CleanName:
    last_clean = _family_from_field(last) if last else None
    last_words = last_clean.lower().split() if last_clean else []
    short_caps = not last.isupper()
    first_clean = _given_from_field(first, last_words, short_caps=short_caps) if first else None
    from_full: CleanName | None = None
    if full and (first_clean is None or last_clean is None):
        from_full = _from_full(full)
        first_clean = first_clean or from_full.first
        if last_clean is None and first_clean == from_full.first:
            last_clean = from_full.last
    if full and _CJK.search(full):
        whole = _scrub(full) or None
    elif first_clean and last_clean and _CJK.search(first_clean + last_clean):
        whole = f"{last_clean}{first_clean}"  # family name first, no space: 李 + 小龙
    elif first_clean and last_clean:
        whole = f"{first_clean} {last_clean}"
    elif from_full is not None and from_full.full:
        whole = from_full.full
    else:
        whole = first_clean or last_clean
    return CleanName(first_clean, last_clean, whole)


def _is_plain(text: str) -> bool:
    """One word of letters in its own (mixed or caseless) spelling that needs no parse."""
    return (
        len(text) > 1
        and text.isalpha()
        and unicodedata.is_normalized("NFKC", text)
        and not text.isupper()
        and not text.islower()
        and text.lower() not in _SPECIAL
        and text.lower() not in _PLACEHOLDERS
    )


def _scrub(text: str) -> str:
    """Remove everything around a name that is not part of it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    previous = None
    while previous != text:  # nested brackets: "(Jane (she/her))"
        previous, text = text, _BRACKETS.sub(" ", text)
    text = _OPEN_BRACKET_TAIL.sub(" ", text)
    text = _PRONOUNS.sub(" ", text)
    parts = _SEPARATOR.split(text)
    text = next((p for p in parts if any(ch.isalpha() for ch in p)), "")
    text = _HASHTAG.sub(" ", text)
    text = _DECORATIONS.sub(" ", text)
    kept: list[str] = []
    for ch in text:
        if ch.isalpha() or ch in _KEEP_PUNCT:
            kept.append(ch)
        elif unicodedata.category(ch)[0] == "M" and kept and kept[-1] not in _KEEP_PUNCT:
            kept.append(ch)  # a combining mark belongs to the letter before it
        else:
            kept.append(" ")
    text = "".join(kept)
    text = _LONE_PUNCT.sub(" ", text)
    text = _SPACE_COMMA.sub(", ", text)
    text = _SPACES.sub(" ", text).strip(" ,.-'’‐")
    if text.lower() in _PLACEHOLDERS or not any(ch.isalpha() for ch in text):
        return ""
    return text


def _words(
    name: _ParsedName, roles: tuple[Role, ...], *, initials: bool, short_caps: bool = False
) -> list[str]:
    """Texts of the tokens with these roles (document order), re-cased where written in one case.

    `short_caps` keeps two-letter capitals ("AJ", "TJ") as written: next to a mixed-case family
    name they are a nickname made of initials, not shouting.
    """
    forced: _ParsedName | None = None
    out: list[str] = []
    for at, token in enumerate(name.tokens):
        text = token.text
        if token.role not in roles or (not initials and _INITIAL.fullmatch(text)):
            continue
        if not any(ch.isalpha() for ch in text):
            continue
        if (text.isupper() or text.islower()) and not (short_caps and len(text) == 2):
            forced = forced or name.capitalized(force=True)
            text = forced.tokens[at].text
        out.append(text)
    return out


def _given_from_field(raw: str, last_words: list[str], *, short_caps: bool) -> str | None:
    if _is_plain(raw):
        return raw
    text = _scrub(raw)
    if not text or _CJK.search(text):
        return text or None
    if _is_plain(text):
        return text
    name = _PARSER.parse(text)
    roles: tuple[Role, ...] = _NAME_ROLES
    named = [t for t in name.tokens if t.role in _NAME_ROLES]
    if "," in text and named and named[0].role is Role.FAMILY:
        roles = (Role.GIVEN, Role.MIDDLE)  # "Doe, Jane" typed into the first-name field
    words = _words(name, roles, initials=False, short_caps=short_caps)
    # The whole name typed into the first-name field: "Jane Doe" next to last name "Doe".
    n = len(last_words)
    if n and len(words) > n and [w.lower() for w in words[-n:]] == last_words:
        words = words[:-n]
    return " ".join(words) or None


def _family_from_field(raw: str) -> str | None:
    if _is_plain(raw):
        return raw
    text = _scrub(raw)
    if not text or _CJK.search(text) or _is_plain(text):
        return text or None
    name = _PARSER.parse(text)
    return " ".join(_words(name, _NAME_ROLES, initials=True)) or None


def _from_full(raw: str) -> CleanName:
    text = _scrub(raw)
    if not text:
        return CleanName(None, None, None)
    if _CJK.search(text):
        return CleanName(text, None, text)
    name = _PARSER.parse(text)
    given = _words(name, (Role.GIVEN,), initials=False, short_caps=not text.isupper())
    if not given:  # "J. Robert Oppenheimer": the first middle name that is not an initial
        given = _words(name, (Role.MIDDLE,), initials=False)[:1]
    family = _words(name, (Role.FAMILY,), initials=True)
    whole = [  # given, middle, family: "Doe, Jane" -> "Jane Doe"
        *_words(name, (Role.GIVEN,), initials=True, short_caps=not text.isupper()),
        *_words(name, (Role.MIDDLE,), initials=True),
        *family,
    ]
    return CleanName(" ".join(given) or None, " ".join(family) or None, " ".join(whole) or None)
