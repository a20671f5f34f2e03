"""Names for greetings: a LinkedIn display name cleaned of everything that is not a name.

People decorate their display names: credentials ("Pat Sample, MBA, PMP"), pronouns
("Jane Doe (she/her)"), titles ("Dr. Jane Doe"), emoji and taglines ("Jane Doe 🚀 | Hiring"),
"Last, First" order, ALL CAPS. A greeting built from the raw value reads like a mail merge, which
is exactly what recipients resent. These functions return the name to greet, or None when
nothing usable remains (only emoji, only an initial "J.", a placeholder like "LinkedIn Member").

How it works, in order:

1. scrub (our code): abbreviated given names expanded (`names_abbreviations.csv`: "Mª Carmen"
   -> "María Carmen", before NFKC would make it "Ma"), a quoted nickname taken out (James
   "Tyler" Smith: greeted "Tyler", full name "James Smith"), a form of address typed without a
   space split off ("Dr.Mohamed"), Unicode NFKC (turns "𝗝𝗮𝗻𝗲" and full-width letters into
   plain letters), bracketed parts and pronouns dropped, cut at separators (| • · " - " " / "
   @ :), hashtags and decoration phrases (`names_decorations.txt`) dropped, and what follows a
   comma dropped when it is credentials or a tagline ("Shahadat Chowdhury,Oracle, PRINCE2");
   then only letters, combining marks, spaces and . , ' ’ - are kept;
2. leading credentials are dropped ("CPA Nelly") and a leading "Md"/"Mohd"
   (`names_given_prefixes.txt`) is kept in the full name but never greeted ("Md Shahadat
   Hossain" -> "Shahadat");
3. parse (nameparser, its tables tuned): titles, post-nominal credentials (its table plus
   `names_credentials.txt`), "Last, First" order, particles, case repair ("MCDONALD" ->
   "McDonald", "VAN DER VEEN" -> "van der Veen"). Title words that are given names far more
   often (`names_not_titles.txt`: Prince, Queen, Sultan) are not titles, and when the title
   table would leave fewer than two name words only real forms of address
   (`names_honorifics.txt`) count ("Baba Ali", "Judge Reinhold"). A one-word first-name cell is
   the name unless it is a form of address ("Dr.") or a credential ("Nan", "Prince" are names);
4. the last-name cell is never read for titles: every word is the family name ("King",
   "Bishop", "Goodman") except credentials after it ("Sharma MBA, PMP");
5. pick: the first-name field wins when it yields a name; otherwise the full name's given name.
   The whole name typed into the first-name cell is split ("Jane Doe" with last name "Doe" or
   none). Initials alone are not a name. A token written in one case (all upper or all lower) is
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
from typing import Final

from nameparser import Lexicon, Parser, Role
from nameparser import ParsedName as _ParsedName

from planner.normalize import _data


def _key(word: str) -> str:
    return word.lower().replace(".", "").replace("-", "")


_NOT_TITLES: Final[tuple[str, ...]] = tuple(w.lower() for w in _data.lines("names_not_titles.txt"))
_HONORIFICS: Final[frozenset[str]] = frozenset(_key(w) for w in _data.lines("names_honorifics.txt"))
_LEXICON: Final = (
    Lexicon.default()
    .add(suffix_acronyms=_data.lines("names_credentials.txt"))
    .remove(titles=[t for t in _NOT_TITLES if t in Lexicon.default().titles])
)
_PARSER: Final = Parser(lexicon=_LEXICON)
# The fallback when the full title table leaves fewer than two name words ("Baba Ali" would be a
# title and a given name): only real forms of address count as titles.
_PARSER_HONORIFICS: Final = Parser(
    lexicon=_LEXICON.remove(titles=[t for t in _LEXICON.titles if _key(t) not in _HONORIFICS])
)

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
#: Post-nominal credentials and generational suffixes; the ambiguous ones ("Ma", "Do", "Ed",
#: "Om") count only when written in capitals.
_CREDENTIALS: Final[frozenset[str]] = frozenset(
    _key(w) for w in (*_LEXICON.suffix_acronyms, *_LEXICON.suffix_words)
)
_AMBIGUOUS: Final[frozenset[str]] = frozenset(
    _key(w) for w in (*_LEXICON.suffix_acronyms_ambiguous, "md", "ms", "ma", "do", "ed", "om")
)
_PARTICLES: Final[frozenset[str]] = frozenset(p.lower() for p in _LEXICON.particles)
_GIVEN_PREFIXES: Final[frozenset[str]] = frozenset(
    _key(w) for w in _data.lines("names_given_prefixes.txt")
)
_PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    s.lower() for s in _data.lines("names_placeholders.txt") if not s.startswith("=")
)
#: Placeholders that are also names: they count only when not capitalized ("nan", not "Nan").
_PLACEHOLDERS_UNLESS_CAPITALIZED: Final[frozenset[str]] = frozenset(
    s[1:].lower() for s in _data.lines("names_placeholders.txt") if s.startswith("=")
)
_ABBREVIATIONS: Final[dict[str, str]] = {
    row["abbreviation"]: row["name"] for row in _data.rows("names_abbreviations.csv")
}
_NAME_ROLES: Final = (Role.GIVEN, Role.MIDDLE, Role.FAMILY)

_LETTER = r"[^\W\d_]"
_ABBREVIATION = re.compile(
    rf"(?<!{_LETTER})(?:"
    + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")(?=\s|$)"
)
# A nickname in quotes: James "Tyler" Smith, Robert „Bob“ Meyer, Ana 'Nani' Silva.
_NICKNAME = re.compile(
    rf"[\"“”„«»]\s*({_LETTER}[^\"“”„«»]{{0,30}}?)\s*[\"“”„«»]"
    rf"|(?<!\S)['‘’]({_LETTER}[^'‘’]{{0,30}}?)['‘’](?!\S)"
)
# A form of address typed without its space: "Dr.Mohamed" -> "Dr. Mohamed".
_GLUED_TITLE = re.compile(
    r"(?i)(?<![^\W\d_])("
    + "|".join(sorted((h for h in _HONORIFICS if len(h) > 1), key=len, reverse=True))
    + rf")\.(?={_LETTER}{{2}})"
)
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
        for phrase in sorted(_data.lines("names_decorations.txt"), key=len, reverse=True)
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
    """A cleaned name (each part may be None).

    `first` is the name to greet (a quoted nickname when there is one: James "Tyler" Smith ->
    "Tyler"), `last` the family name, `full` the whole name without titles, credentials,
    nicknames or decorations, and `given` the given name(s) as part of the whole name ("James";
    "Md Shahadat" where `first` is "Shahadat").
    """

    first: str | None
    last: str | None
    full: str | None
    given: str | None = None


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


@dataclass(frozen=True, slots=True)
class _Parts:
    """One field read as a name: greeting, given names, family name (None where unknown)."""

    greeting: str | None = None
    given: str | None = None
    family: str | None = None


@lru_cache(maxsize=131_072)
def _clean(first: str, last: str, full: str) -> CleanName:
    family = _family_from_field(last) if last else None
    given = _given_from_field(first, family, short_caps=not last.isupper()) if first else _Parts()
    from_full: _Parts | None = None
    if first and not last and given.family is not None:
        family = given.family  # the whole name typed into the first-name cell
    if full and (given.greeting is None or family is None):
        from_full = _from_full(full)
        if given.greeting is None:
            given = _Parts(from_full.greeting, from_full.given)
        if family is None and given.given == from_full.given:
            family = from_full.family
    greeting, given_names = given.greeting, given.given or given.greeting
    if full and _CJK.search(full):
        whole = _scrub(full)[0] or None
    elif given_names and family and _CJK.search(given_names + family):
        whole = f"{family}{given_names}"  # family name first, no space: 李 + 小龙
    elif given_names and family:
        whole = f"{given_names} {family}"
    elif from_full is not None and from_full.given is not None and from_full.family:
        whole = f"{from_full.given} {from_full.family}"
    else:
        whole = given_names or family
    return CleanName(greeting, family, whole, given_names)


def _is_plain(text: str) -> bool:
    """One word of letters in its own (mixed or caseless) spelling that needs no parse."""
    return (
        len(text) > 1
        and text.isalpha()
        and unicodedata.is_normalized("NFKC", text)
        and not text.isupper()
        and not text.islower()
        and _key(text) not in _SPECIAL
        and _key(text) not in _GIVEN_PREFIXES
        and not _is_placeholder(text)
    )


def _is_placeholder(text: str) -> bool:
    low = text.lower()
    if low in _PLACEHOLDERS:
        return True
    return low in _PLACEHOLDERS_UNLESS_CAPITALIZED and text != text.capitalize()


def _scrub(text: str) -> tuple[str, str | None]:
    """The text without everything around a name (see the module docstring), and a quoted
    nickname if there was one."""
    text = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(0)], text)
    nickname = None
    found = _NICKNAME.search(text)
    rest = text[: found.start()] + " " + text[found.end() :] if found is not None else text
    if found is not None and any(ch.isalpha() for ch in rest):
        nickname = _scrub_words(found.group(1) or found.group(2) or "")
        text = rest
        if len(nickname.split()) > 2:
            nickname = ""  # Jane "the data wizard" Doe: a tagline, not a nickname
    elif found is not None:
        text = found.group(1) or found.group(2) or ""  # the whole value quoted: "Jane Doe"
    text = _GLUED_TITLE.sub(r"\1. ", unicodedata.normalize("NFKC", text))
    return _scrub_words(text), (nickname or None)


def _scrub_words(text: str) -> str:
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
    text = _cut_credential_tail(text)
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
    if _is_placeholder(text) or not any(ch.isalpha() for ch in text):
        return ""
    return text


def _is_credential(word: str) -> bool:
    """A post-nominal credential or generational suffix ("MBA", "Ph.D.", "PRINCE2®", "Jr.")."""
    bare = word.strip(".,®™©*")
    key = _key(bare)
    if not key:
        return False
    if any(ch.isdigit() for ch in key):
        return True  # "PRINCE2", "ITILv4": names have no digits
    if key not in _CREDENTIALS:
        return False
    return key not in _AMBIGUOUS or bare.isupper()


def _cut_credential_tail(text: str) -> str:
    """Drop what follows a comma when it is credentials or a tagline, not a given name.

    "Shahadat Chowdhury,Oracle, PRINCE2, ITIL" -> "Shahadat Chowdhury"; "Doe, Jane" stays for
    the parser to read as "Last, First".
    """
    if "," not in text:
        return text
    head, *rest = (p.strip() for p in text.split(","))
    head_words = [w for w in head.split() if w.lower() not in _PARTICLES]
    rest = [p for p in rest if p]
    if not rest:
        return head
    words = [w for p in rest for w in p.split()]
    if all(_is_credential(w) for w in words):
        return head  # "Jane Doe, MBA, PMP": all credentials
    if len(head_words) >= 2 and (
        len(rest) > 1 or any(_is_credential(w) or (w.isupper() and len(w) > 1) for w in words)
    ):
        return head  # "Jane Doe, Oracle, PRINCE2": a name, then a tagline
    return text


def _recase(text: str) -> str:
    """A word written in one case, in the person's likely spelling ("MCDONALD" -> "McDonald")."""
    return _recase_word(text) if text.isupper() or text.islower() else text


@lru_cache(maxsize=16_384)
def _recase_word(text: str) -> str:
    parsed = _PARSER.parse(text)
    if len(parsed.tokens) != 1:
        return text[:1].upper() + text[1:].lower()
    return str(parsed.capitalized(force=True).tokens[0].text)


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


#: Particles written in lower case inside a name (Dutch, German, Iberian, French, Arabic):
#: "van der Veen", "von Braun", "da Silva", "de Gaulle", "bin Salman". Italian and French
#: article-particles are capitalized ("Di Maria", "Del Piero", "Le Pen") unless they follow a
#: lower-case particle ("de la Cruz").
_LOWER_PARTICLES: Final[frozenset[str]] = frozenset((
    "van", "der", "den", "von", "zu", "vom", "zum", "zur", "de", "da", "das", "dos", "do", "bin",
    "binti", "binte", "ibn", "ter", "ten", "te", "'t", "op", "het", "aan", "y",
))  # fmt: skip
_ARTICLE_PARTICLES: Final[frozenset[str]] = frozenset(
    ("la", "las", "los", "le", "les", "del", "della", "di", "du")
)


def _lower_particles(words: list[str], written: list[str]) -> list[str]:
    """Particles re-cased from one-case text ("VAN DER VEEN") are written the way the name is
    ("van der Veen"); a particle the person capitalized themselves is kept."""
    out = list(words)
    for i in range(len(out) - 1):
        if not (written[i].isupper() or written[i].islower()):
            continue
        low = out[i].lower()
        after_particle = i > 0 and out[i - 1] in _LOWER_PARTICLES
        if low in _LOWER_PARTICLES or (low in _ARTICLE_PARTICLES and after_particle):
            out[i] = low
    return out


def _split_prefix(words: list[str]) -> tuple[list[str], list[str]]:
    """Leading credentials dropped ("CPA Nelly" -> Nelly) and a leading "Md"/"Mohd" split off:
    (prefix kept in the full name, the rest)."""
    while len(words) > 1 and _is_credential(words[0]) and _key(words[0]) not in _GIVEN_PREFIXES:
        words = words[1:]
    if len(words) > 1 and _key(words[0]) in _GIVEN_PREFIXES:
        return [_recase(words[0].rstrip("."))], words[1:]
    return [], words


def _parse(text: str) -> _ParsedName:
    """nameparser's reading; when its title table leaves fewer than two name words, a reading
    where only forms of address are titles ("Baba Ali", "Queen Okafor")."""
    name = _PARSER.parse(text)
    named = [t for t in name.tokens if t.role in _NAME_ROLES]
    if len(named) < 2 and any(
        t.role is Role.TITLE and _key(t.text) not in _HONORIFICS for t in name.tokens
    ):
        return _PARSER_HONORIFICS.parse(text)
    return name


def _one_word(word: str) -> str | None:
    """A value of one word: the name itself unless it is a form of address or a credential."""
    key = _key(word)
    if _INITIAL.fullmatch(word) or key in _HONORIFICS or key in _GIVEN_PREFIXES:
        return None
    if key in _CREDENTIALS and (key not in _AMBIGUOUS or word.isupper()) and key not in _NAMEISH:
        return None
    return _recase(word)


#: Credential-table entries that are names when they stand alone in a name cell.
_NAMEISH: Final[frozenset[str]] = frozenset({"junior", "senior"})


def _given_from_field(raw: str, family: str | None, *, short_caps: bool) -> _Parts:
    if _is_plain(raw):
        return _Parts(raw, raw)
    text, nickname = _scrub(raw)
    if not text:
        return _Parts(nickname, None)
    if _CJK.search(text):
        return _Parts(nickname or text, text)
    prefix, words = _split_prefix(text.split())
    if len(words) == 1 and _key(words[0]) in _GIVEN_PREFIXES:
        return _Parts(nickname, _recase(words[0].rstrip(".")))  # "Md" alone: no greeting
    if len(words) == 1:
        word = _one_word(words[0])
        if word and short_caps and len(words[0]) == 2 and words[0].isupper():
            word = words[0]  # "AJ" next to a mixed-case family name: initials as a nickname
        given = " ".join([*prefix, word]) if word else None
        return _Parts(nickname or word, given or (" ".join(prefix) or None))
    name = _parse(" ".join(words))
    roles: tuple[Role, ...] = _NAME_ROLES
    named = [t for t in name.tokens if t.role in _NAME_ROLES]
    if "," in text and named and named[0].role is Role.FAMILY:
        roles = (Role.GIVEN, Role.MIDDLE)  # "Doe, Jane" typed into the first-name field
    out = _words(name, roles, initials=False, short_caps=short_caps)
    # The whole name typed into the first-name field: "Jane Doe" next to last name "Doe".
    last_words = family.lower().split() if family else []
    n = len(last_words)
    if n and len(out) > n and [w.lower() for w in out[-n:]] == last_words:
        out = out[:-n]
    elif not family and roles == _NAME_ROLES and any(t.role is Role.FAMILY for t in named):
        # No last-name cell: the first-name cell holds the whole name ("Jane Doe").
        names = _words(name, (Role.GIVEN,), initials=False, short_caps=not text.isupper())
        fam = _words(name, (Role.FAMILY,), initials=True)
        written = [t.text for t in name.tokens if t.role is Role.FAMILY]
        if names and fam:
            return _Parts(
                nickname or names[0],
                " ".join([*prefix, *names]),
                " ".join(_lower_particles(fam, written)),
            )
    if not out:
        return _Parts(nickname, " ".join(prefix) or None)
    return _Parts(nickname or " ".join(out), " ".join([*prefix, *out]))


def _family_from_field(raw: str) -> str | None:
    """The last-name cell: every word is part of the family name, whatever it means as a word
    ("King", "Bishop", "Goodman"), except credentials after it ("Sharma MBA, PMP")."""
    if _is_plain(raw):
        return raw
    text, _nickname = _scrub(raw)
    if not text or _CJK.search(text):
        return text or None
    # Whatever follows a comma in a last-name cell is credentials or a tagline ("Sample, MBA").
    words = text.split(",")[0].split()
    while len(words) > 1 and _is_credential(words[-1]):
        words.pop()
    if not words:
        return None
    recased = [_recase(w) for w in words]
    return " ".join(_lower_particles(recased, words)) or None


def _from_full(raw: str) -> _Parts:
    text, nickname = _scrub(raw)
    if not text:
        return _Parts(nickname)
    if _CJK.search(text):
        return _Parts(nickname or text, text)
    prefix, words = _split_prefix(text.split())
    if len(words) == 1:
        word = _one_word(words[0])
        if prefix and word:
            return _Parts(nickname or word, " ".join([*prefix, word]))
        return _Parts(nickname or word, word)
    name = _parse(" ".join(words))
    short_caps = not text.isupper()
    given = _words(name, (Role.GIVEN,), initials=False, short_caps=short_caps)
    given_all = [  # given and middle names: "Doe, Jane" -> "Jane Doe"
        *prefix,
        *_words(name, (Role.GIVEN,), initials=True, short_caps=short_caps),
        *_words(name, (Role.MIDDLE,), initials=True),
    ]
    if not given:  # "J. Robert Oppenheimer": the first middle name that is not an initial
        given = _words(name, (Role.MIDDLE,), initials=False)[:1]
        given_all = [*prefix, *given] if given else given_all
    family = _words(name, (Role.FAMILY,), initials=True)
    written = [t.text for t in name.tokens if t.role is Role.FAMILY]
    family = _lower_particles(family, written)
    if not family and given:
        # "Kevin Junior", "Ana Júnior": a generational word with no family name before it is
        # the family name (common in Brazil), never dropped.
        tail = [t.text for t in name.tokens if t.role is Role.SUFFIX and t.text.isalpha()]
        family = [_recase(tail[-1])] if tail else []
    greeting = nickname or (" ".join(given) or None)
    return _Parts(greeting, " ".join(given_all) or None, " ".join(family) or None)
