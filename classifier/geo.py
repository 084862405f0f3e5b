"""Who cooperates with whom: countries and blocs named in an article, and the scope of the action.

A curated gazetteer (``classifier/data/gazetteer.json``: ISO 3166-1 alpha-2 codes, names,
demonyms, abbreviations, capitals and seats used for governments, blocs with their members, and
"false friend" phrases such as "china clay" or "guinea pig") drives a dependency-free matcher:

1. All aliases form one regular expression shaped as a character trie, matched case-sensitively
   and longest first ("Democratic Republic of the Congo" before "Congo").
2. A match inside a false-friend phrase, or a town named after a country ("Cuba, New York"), is
   dropped.
3. Doubtful aliases ("Jordan", "Chad", "Turkey", "Georgia", "India") need support: a government
   word nearby, a place preposition ("in Jordan") or another country in the text, and no sign
   of a person's name (a capitalised neighbour that is not a place, "a dog named Chad").

The scope comes from the parties found and the verbs around them: no government acting gives
``none``; one party, or several with no joint action, ``unilateral``; then ``bilateral``,
``trilateral`` or ``multilateral`` by the number of parties acting together (a bloc acting as a
group, such as the G7, counts as many parties; the EU with one partner is bilateral).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Gazetteer", "GeoResult", "extract"]

_US_STATES = frozenset(
    [
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "Wisconsin",
        "Wyoming",
    ]
) | {
    "New York",
    "New Jersey",
    "New Mexico",
    "New Hampshire",
    "North Carolina",
    "South Carolina",
    "North Dakota",
    "South Dakota",
    "Rhode Island",
    "West Virginia",
    "Ontario",
    "Quebec",
}
_GOVERNMENT = frozenset(
    [
        "government",
        "governments",
        "minister",
        "ministers",
        "ministry",
        "ministries",
        "president",
        "premier",
        "chancellor",
        "king",
        "queen",
        "prince",
        "emir",
        "sultan",
        "officials",
        "official",
        "embassy",
        "ambassador",
        "envoy",
        "parliament",
        "congress",
        "senate",
        "regulator",
        "regulators",
        "authorities",
        "authority",
        "state-run",
        "sanctions",
        "tariffs",
        "tariff",
        "duties",
        "exports",
        "imports",
        "export",
        "import",
        "trade",
        "treaty",
        "pact",
        "agreement",
        "accord",
        "memorandum",
        "summit",
        "talks",
        "delegation",
        "foreign",
        "defence",
        "defense",
        "military",
        "army",
        "navy",
        "troops",
        "border",
        "capital",
        "president's",
        "leader",
        "leaders",
        "cabinet",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "commerce",
        "economy",
        "economic",
        "national",
        "nation",
        "nations",
        "country's",
        "country",
        "republic",
        "kingdom",
        "election",
        "elections",
        "vote",
        "referendum",
        "junta",
        "coup",
        "rebels",
        "ceasefire",
        "central",
        "bank",
        "agency",
        "lawmakers",
        "court",
        "police",
    ]
)
_GEORGIA_US = re.compile(
    r"\b(Atlanta|Savannah|Augusta|Macon|Athens, Georgia|Thanksgiving|U\.S\. state|US state"
    r"|Peach State|Governor Kemp|Georgia Tech|Senate runoff)\b"
)
_US_PLACE = re.compile(
    r"(?:the U\.?S\.? state|U\.S\.|USA|" + "|".join(sorted(_US_STATES, key=len, reverse=True)) + ")"
)
_FUNCTION_WORDS = frozenset("the a an and or of in on at to from by for with as is was".split())
# Place-like context before an ambiguous name: "in Jordan", "imported from Japan".
_PLACE_PREPOSITIONS = frozenset(
    [
        "in",
        "to",
        "from",
        "into",
        "across",
        "throughout",
        "near",
        "visit",
        "visited",
        "visiting",
        "toward",
        "towards",
    ]
)
# Country names that are also common given names: "India Harlow", "Kenya Mitchell".
_GIVEN_NAMES = frozenset(
    [
        "India",
        "Kenya",
        "Israel",
        "Jordan",
        "Chad",
        "Georgia",
        "Jamaica",
        "Chelsea",
        "Paris",
        "Brooklyn",
        "Egypt",
    ]
)
# Phrases that the packaged list may lack; matched like it (case-insensitive, plural allowed).
_MORE_FALSE_FRIENDS = (
    "Latin America",
    "South America",
    "Central America",
    "North America",
    "India ink",
    "Indian ink",
    "Danish pastry",
    "Danish pastries",
    "Swiss army knife",
    "Swiss army knives",
    "Panama hat",
)
# Words that show governments acting together, and words that show any government acting. Sets
# of lower-case words, intersected with the words of a text: much faster than a regex
# alternation over long articles.
_JOINT_WORDS = frozenset(
    """agree agreed agrees agreement agreements signed sign signs pledge pledged pledges joint
    jointly together talks met meet meets meeting meetings summit partnership partners between
    with and alongside trilateral bilateral memorandum accord pact treaty dialogue consultations
    declaration statement cooperate cooperated cooperation cooperating negotiate negotiated
    negotiating negotiation negotiations ties relations""".split()
)
_ACTION_WORDS = frozenset(
    """said says announce announced announces impose imposed imposes ban banned bans signed
    agreed pledged approve approved launched launch rejected sanction sanctions sanctioned
    sanctioning tariff tariffs duties curbs controls restrict restricted restricts restriction
    restrictions investigate investigated investigates investigation investigations fine fined
    ordered talks met summit minister ministers ministerial government officials president
    parliament ministry authorities regulator agreement memorandum treaty pact accord statement
    declaration deal framework partnership dialogue visit visited visits visiting negotiate
    negotiated negotiations expelled summoned blocked vetoed passed adopted plan plans will would
    urged suspended settled recognised recognized raised introduced issued named cut lifted
    eased expanded joined left withdrew withdrawn withdraws condemned warned accused criticised
    criticized held hosted opened closed seized arrested charged set decided voted""".split()
)
_WORD = re.compile(r"[a-z]+")
# Blocs whose appearance means many governments act as a group.
_GROUP_BLOCS = frozenset(
    {
        "G7",
        "G20",
        "QUAD",
        "ASEAN",
        "NATO",
        "BRICS",
        "OPEC",
        "IPEF",
        "GCC",
        "APEC",
        "AFRICAN_UNION",
        "MERCOSUR",
        "OECD",
        "FIVE_EYES",
        "AUKUS",
    }
)


@dataclass(frozen=True)
class GeoResult:
    """Countries (ISO codes, in order of first mention), blocs, and the scope of the action."""

    countries: tuple[str, ...]
    blocs: tuple[str, ...]
    scope: str
    mentions: tuple[tuple[str, str, int, int], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"countries": list(self.countries), "blocs": list(self.blocs), "scope": self.scope}


def _trie_pattern(words: list[str]) -> str:
    """One regular expression matching any of ``words``, built as a character trie so that each
    position of a text is tried against one path, not against every word; longest match first."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


class Gazetteer:
    """The alias tables of a gazetteer file (the packaged one by default)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = data.get("version", "0")
        self.names: dict[str, str] = {}
        self.ambiguous: set[str] = set()
        self.bloc_members: dict[str, tuple[str, ...]] = {}
        entries: dict[str, list[tuple[str, str]]] = {}
        for kind, table in (("country", data["countries"]), ("bloc", data["blocs"])):
            for code, spec in table.items():
                self.names[code] = spec.get("name", code)
                if kind == "bloc":
                    self.bloc_members[code] = tuple(spec.get("members", []))
                for alias in {spec.get("name", code), *spec.get("aliases", [])}:
                    if alias.strip():
                        entries.setdefault(alias.strip(), []).append((kind, code))
                self.ambiguous.update(a.strip() for a in spec.get("ambiguous", []))
        self.aliases = entries
        # No look-behind: it would stop the regex engine from skipping ahead to the characters
        # an alias can start with; the left boundary is checked on each (rare) match instead.
        self.matcher = re.compile(r"(?:" + _trie_pattern(list(entries)) + r")(?![\w])")
        phrases = {*data.get("false_friends", []), *_MORE_FALSE_FRIENDS}
        variants = {v for p in phrases for v in (p, p + "s", p + "es")}
        # Only aliases that occur inside some false-friend phrase need the (slower) check.
        lowered = " ".join(sorted(variants)).lower()
        self.in_false_friends = {a for a in entries if a.lower() in lowered}
        self.false_friends = re.compile(
            r"(?<!\w)(?:" + _trie_pattern(sorted({v.lower() for v in variants})) + r")(?!\w)"
        )

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Gazetteer:
        text = resources.files("classifier").joinpath("data/gazetteer.json").read_text("utf-8")
        return cls(json.loads(text))


def extract(text: str, gazetteer: Gazetteer | None = None) -> GeoResult:
    """Countries, blocs and scope of one text.

    Examples
    --------
    >>> r = extract("The U.S., Japan and South Korea pledged to coordinate chip export controls.")
    >>> r.countries, r.scope
    (('US', 'JP', 'KR'), 'trilateral')
    >>> extract("Michael Jordan ordered a turkey sandwich on fine china.").countries
    ()
    """
    gazetteer = gazetteer or Gazetteer.default()
    candidates = []
    for match in gazetteer.matcher.finditer(text):
        alias, start, end = match.group(0), match.start(), match.end()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_."):
            continue
        if (
            alias in gazetteer.in_false_friends
            and _inside_false_friend(gazetteer, text, start, end)
        ) or _us_place(text, end):
            continue
        entries = gazetteer.aliases[alias]
        # An alias of a bloc and of a country ("Brussels") means the bloc.
        kind, code = min(entries, key=lambda e: e[0] != "bloc")
        doubtful = alias in gazetteer.ambiguous or len(entries) > 1 or alias in _GIVEN_NAMES
        candidates.append((kind, code, start, end, doubtful))
    codes = {c[1] for c in candidates}
    mentions = []
    for kind, code, start, end, doubtful in candidates:
        if doubtful:
            other_place = len(codes - {code}) > 0
            if not _supported(text, start, end, other_place, gazetteer):
                continue
        mentions.append((kind, code, start, end))
    countries = tuple(dict.fromkeys(code for kind, code, _, _ in mentions if kind == "country"))
    blocs = tuple(dict.fromkeys(code for kind, code, _, _ in mentions if kind == "bloc"))
    return GeoResult(countries, blocs, _scope(text, mentions), tuple(mentions))


def _inside_false_friend(gazetteer: Gazetteer, text: str, start: int, end: int) -> bool:
    left = max(0, start - 40)
    window = text[left : end + 40].lower()
    return any(
        m.start() + left <= start and end <= m.end() + left
        for m in gazetteer.false_friends.finditer(window)
    )


def _us_place(text: str, end: int) -> bool:
    """ "Cuba, New York" or "Peru, Indiana": a town named after a country, not the country."""
    return text.startswith(", ", end) and bool(_US_PLACE.match(text, end + 2))


_PREVIOUS_WORD = re.compile(r"([\w'’.]+)([^\w'’.]*)$")
_NEXT_WORD = re.compile(r"^('s|’s)?([^\w'’]*)([\w'’.]+)")
_GOVERNMENT_NEAR = re.compile(r"\b(?:" + "|".join(sorted(_GOVERNMENT)) + r")\b", re.IGNORECASE)


def _supported(text: str, start: int, end: int, other_place: bool, gazetteer: Gazetteer) -> bool:
    """Whether a doubtful alias at ``text[start:end]`` is meant as a country."""
    previous = _PREVIOUS_WORD.search(text[max(0, start - 40) : start])
    following = _NEXT_WORD.search(text[end : end + 40])
    before = previous.group(1) if previous else ""
    gap_before = previous.group(2) if previous else ""
    possessive = bool(following and following.group(1))
    after = following.group(3) if following else ""
    gap_after = following.group(2) if following else ""
    window_after = text[end : end + 40].lower()
    if re.match(r"^(?:'s|’s)?\s+(?:and\s+\w+\s+)?rivers?\b|^\s+(?:delta|basin)\b", window_after):
        return False  # the Niger River, the Niger and Benue rivers

    if before.lower() in ("named", "called", "nicknamed", "dubbed"):
        return False  # "a dog named Chad"
    if text[start:end] == "Georgia" and _GEORGIA_US.search(text):
        return False  # the US state: "Atlanta", "Savannah", "Thanksgiving", "the U.S. state"

    def place_or_word(token: str) -> bool:
        token = token.rstrip(".")
        return (
            not token[:1].isupper()
            or token in gazetteer.aliases
            or token.lower() in _GOVERNMENT
            or token.lower() in _FUNCTION_WORDS
        )

    # A person's name: "Michael Jordan", "Chad Brooks", "India Harlow".
    if before and gap_before.strip() == "" and not place_or_word(before):
        return False
    if after and gap_after.strip() == "" and not possessive and not place_or_word(after):
        return False
    if before.lower() in _PLACE_PREPOSITIONS:
        return True
    if gap_before.strip() == "," and before[:1].isupper():
        return True  # "Jingdezhen, China": a city, then its country
    window = text[max(0, start - 60) : end + 60]
    return bool(_GOVERNMENT_NEAR.search(window)) or other_place


_COMPANY_NOUNS = re.compile(
    r"\W*(?:[a-z-]+\s+){0,3}(companies|company|firms?|makers?|maker|manufacturers?|"
    r"chipmakers?|carmakers?|automakers?|startups?|start-ups?|groups?|investors?|banks?|"
    r"operators?|brands?|businesses|exporters|importers|producers?|suppliers?|tourists|"
    r"visitors|fans|players|team|artists|engineers|students|workers|families|consumers)\b"
)
_STATE_ACTOR = re.compile(
    r"\b(government|minist\w+|president|officials?|authorit\w+|parliament|regulator"
    r"|embassy|leaders?|agency|central bank|lawmakers|state|navy|army|military|court)\b",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(
    r"\b(in|from|to|into|across|near|visit(?:ed|ing)?|via|throughout|outside|inside|around"
    r"|based|made)\s+(the\s+)?$",
    re.IGNORECASE,
)


def _acting(text: str, mentions: list[tuple[str, str, int, int]]) -> list[str]:
    """Codes of the mentions that stand for a government doing something: not a place of an
    event ("in Vietnam") and not a demonym describing companies or people ("Finnish makers")."""
    acting: dict[str, None] = {}
    for kind, code, start, end in mentions:
        if code in acting:
            continue  # one acting mention is enough
        if kind == "bloc" or _STATE_ACTOR.search(text, max(0, start - 40), end + 40):
            acting[code] = None
            continue
        before = text[max(0, start - 24) : start]
        if not (_PLACE_BEFORE.search(before) or _COMPANY_NOUNS.match(text, end, end + 40)):
            acting[code] = None
    return list(acting)


def _scope(text: str, mentions: list[tuple[str, str, int, int]]) -> str:
    acting = _acting(text, mentions)
    if not acting:
        return "none"
    words = set(_WORD.findall(text.lower()))
    if words.isdisjoint(_ACTION_WORDS):
        return "none"
    if any(code in _GROUP_BLOCS for code in acting):
        return "multilateral"
    if len(acting) == 1 or words.isdisjoint(_JOINT_WORDS):
        return "unilateral"
    return {2: "bilateral", 3: "trilateral"}.get(len(acting), "multilateral")
