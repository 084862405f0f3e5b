"""Who cooperates with whom: countries and blocs named in an article, and the scope of the action.

A curated gazetteer (``classifier/data/gazetteer.json``: ISO 3166-1 alpha-2 codes, names,
demonyms, abbreviations, capitals and seats used for governments, blocs with their members, and
"false friend" phrases such as "china clay" or "guinea pig") and a small lexicon of cue words
drive a dependency-free extractor that works on word tokens:

1. Aliases are matched case-sensitively, longest first ("Democratic Republic of the Congo" before
   "Congo"), at the start of word tokens; a match inside a false-friend phrase (matched
   case-insensitively) or a town named after a country ("Cuba, New York") is dropped.
2. Doubtful aliases ("Jordan", "Chad", "Turkey", "Georgia") need support: a government word
   nearby, a place preposition ("in Jordan") or another country in the text, and no sign of a
   person's name (a capitalised neighbour that is not a place, "a dog named Chad"), of a US
   state ("Dalton, Georgia") or of food ("Turkey prices fell ahead of Thanksgiving").
3. Each mention in the lead (the first two sentences; a headline counts as one) gets a role
   (_role). It *acts* when it stands for a government doing something: a subject or a partner
   ("Japan said", "a pact with Japan", "met Japan's king"), as a name, or as a demonym or
   possessive with a state noun ("Japanese officials", "Japan's ministry"). It does not act as
   an object ("expelled a Russian diplomat"), a place ("in Vietnam"), a target ("curbs on
   China"), a company's origin ("a Japanese supplier", "Singapore-based") or a team ("India
   beat Pakistan"). A name in a list ("X, Y and Z") shares the role of the list's first name;
   a trailing source (", the Japanese defence ministry said.") acts only when nobody else does.
4. The scope counts the acting parties: none, unilateral, bilateral, trilateral, multilateral;
   more when the lead states a count of parties ("both sides", "twenty countries"), and
   multilateral when a bloc acts as a group (G7 leaders, EU ministers).

The same rules run in C when the extension is built (:func:`extract_many` uses it); this module
is the reference they are tested against, and the path used without a compiler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ._validation import check_documents

try:  # the compiled scanner; without it the Python reference below runs
    from ._geoscan import GeoScanner as _NativeScanner
except ImportError:  # pragma: no cover - depends on the build
    _NativeScanner = None

__all__ = [
    "SCOPES",
    "Gazetteer",
    "GeoResult",
    "extract",
    "extract_many",
    "extract_records",
    "native_available",
]

SCOPES = ("none", "unilateral", "bilateral", "trilateral", "multilateral")

# Word classes of the cue lexicon (bit flags; the C scanner gets the same table).
GOV = 1 << 0  # government and diplomacy vocabulary: supports a doubtful alias nearby
FUNCTION = 1 << 1  # function words: a capitalised one is not part of a person's name
PLACE_PREP = 1 << 2  # "in Jordan", "visited Chad": supports a doubtful alias
NAMING = 1 << 3  # "a dog named Chad"
STATE = 1 << 4  # state actors: "Japanese officials", "Taiwan's military"
COMPANY = 1 << 5  # companies, people and goods: "a Japanese supplier", "Chinese tourists"
LOCATIVE = 1 << 6  # the place of an event: "talks in Vietnam"
TARGET = 1 << 7  # the object of another's action: "curbs on China", "sales to Russia"
GROUP = 1 << 8  # nouns counted in "the two governments", "twenty countries"
TWO, THREE, MANY = 1 << 9, 1 << 10, 1 << 11  # number words of such counts (digits too)
RIVER = 1 << 12  # "the Niger River": not the country
US_STATE = 1 << 13  # "Cuba, New York"
ACT_NOUN = 1 << 14  # "Chad's decision": a possessive that acts
COORD = 1 << 15  # "and", "or": lists of parties
ARTICLE = 1 << 16  # "the", skipped when looking at the word before a name
OWNER = 1 << 17  # "its AUKUS submarines": a bloc as the frame of a national action
GEORGIA_US = 1 << 18  # a text about the US state of Georgia
STATE_WORD2 = 1 << 19  # second word of a two-word US state: "New York", "North Dakota"
STATE_NOUN = 1 << 20  # "Washington state"
FROM = 1 << 21  # "officials from Japan", "the leaders of Japan" act
SUBJECT = 1 << 22  # words after which a name is a subject or partner: "with Japan", "after Tokyo"
SKIP = 1 << 23  # skipped before a name: "the", "a", "eastern"
NOT_PARTNER = 1 << 24  # "its border with Haiti", "compared with the U.S.": not a partner
STOP = 1 << 25  # verbs and function words that end a noun phrase ("Beijing said exporters")
VERB = 1 << 26  # verbs after a name that make it a subject: "Tokyo said", "Seoul will"
SAY = 1 << 27  # ", the Japanese defence ministry said.": a source, not a party
SPORT = 1 << 28  # "India beat Pakistan by six wickets": teams, not governments
FOOD = 1 << 29  # turkey the bird: "roast", "Thanksgiving"
QUANT = 1 << 30  # skipped before a number: "more than 40 countries"

_WORDS: dict[int, str] = {
    GOV: """government governments minister ministers ministry ministries president premier
        chancellor king queen prince emir sultan officials official embassy ambassador envoy
        parliament congress senate regulator regulators authorities authority state-run sanctions
        tariffs tariff duties exports imports export import trade treaty pact agreement accord
        memorandum summit talks delegation foreign defence defense military army navy troops
        border capital leader leaders cabinet spokesman spokeswoman spokesperson commerce economy
        economic nation nations country republic kingdom election elections vote
        referendum junta coup rebels ceasefire central bank agency lawmakers court police
        diplomats diplomat administration states members member""",
    FUNCTION: """the a an and or of in on at to from by for with as is was""",
    PLACE_PREP: """in to from into across throughout near visit visited visiting toward towards""",
    NAMING: """named called nicknamed dubbed""",
    STATE: """government governments minister ministers ministry ministries president presidents
        premier chancellor king emir sultan officials official embassy ambassador ambassadors envoy
        envoys parliament congress senate regulator regulators authorities authority leader
        leaders cabinet spokesman spokeswoman spokesperson diplomats diplomat administration
        navy army military forces troops guard coastguard agency lawmakers court courts state-run
        department delegation delegations negotiators counterpart counterparts junta regime
        chiefs legislature assembly commission council prosecutors police customs
        ministerial presidency agencies ministries mediators mediator sovereign central public
        wealth
        centre center bureau""",
    COMPANY: """company companies firm firms maker makers manufacturer manufacturers chipmaker
        chipmakers carmaker carmakers automaker automakers startup startups start-up start-ups
        group investors investor bank banks operator operators brand brands business
        businesses exporters exporter importers importer producer producers supplier suppliers
        tourists visitors fans players team artists engineers students workers families
        consumers conglomerate miner miners service services giant giants provider providers
        customers customer buyers buyer shoppers hackers fishermen retailer retailers assembler
        foundry foundries developer developers lender lenders insurer airline airlines
        factories factory plant plants mills equipment products goods chips cars
        vehicles rival rivals peers""",
    LOCATIVE: """in at near inside outside across throughout around via within based""",
    TARGET: """to against on for toward towards from over into under""",
    GROUP: """governments countries nations sides states members economies partners allies
        parties leaders ministers capitals envoys""",
    TWO: """two both""",
    THREE: """three""",
    MANY: """four five six seven eight nine ten eleven twelve dozen dozens fifteen twenty thirty
        forty fifty sixty seventy eighty ninety hundred thirteen fourteen sixteen
        seventeen eighteen nineteen""",
    RIVER: """river rivers delta basin""",
    US_STATE: """alabama alaska arizona arkansas california colorado connecticut delaware florida
        georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland
        massachusetts michigan minnesota mississippi missouri montana nebraska nevada ohio
        oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington wisconsin
        wyoming ontario quebec""",
    STATE_WORD2: """york jersey mexico hampshire carolina dakota island""",
    ACT_NOUN: """decision move plan plans proposal call offer bid announcement decree ban
        embargo sanctions tariffs curbs controls rules law laws response retaliation
        withdrawal exit stance position refusal demand demands pledge commitment complaint
        challenge lawsuit case protest request appeal restrictions measures policy""",
    COORD: """and or""",
    ARTICLE: """the""",
    SKIP: """the a an eastern western northern southern central north south east west
        neighbouring neighboring fellow rival new latest recent fresh""",
    SUBJECT: """with between alongside and or by among including said says that as while when
        after before but if because whereas nor both neither either plus although though unless
        until since so where visit visits visited visiting met meets host hosts hosted hosting
        welcomed welcomes welcoming received receives honouring honoring""",
    NOT_PARTNER: """border borders frontier compared""",
    SAY: """said says""",
    SPORT: """beat beats beating defeated match matches finals semifinal semifinals tournament cup
        league wicket wickets innings rebounds scored striker coach squad medal medals olympic
        olympics championship qualifier stadium football soccer cricket rugby tennis volleyball
        basketball baseball hockey overtime kickoff""",
    FOOD: """thanksgiving roast roasted sandwich sandwiches gravy stuffing poultry flocks avian
        drumstick drumsticks carving feathers""",
    QUANT: """more than less fewer some about nearly around over almost least at""",
    VERB: """said says told will would has have had could can may might should is was are were
        plans wants hopes expects must""",
    STOP: """the a an and or of in on at to from by for with as is was are were that which who
        said says told will would has have had could can may might should""",
    OWNER: """its their his her our""",
    STATE_NOUN: """state""",
    FROM: """from of""",
    GEORGIA_US: """atlanta savannah augusta macon thanksgiving kemp""",
}


def _lexicon() -> dict[str, int]:
    table: dict[str, int] = {}
    for bit, words in _WORDS.items():
        for word in words.split():
            table[word] = table.get(word, 0) | bit
    return table


# Blocs whose action means many governments act as a group (the EU acts as one party, unless
# its members do: "EU ministers agreed").
_GROUP_BLOCS = frozenset(
    """G7 G20 QUAD ASEAN NATO BRICS OPEC IPEF GCC APEC AFRICAN_UNION MERCOSUR OECD FIVE_EYES
    AUKUS""".split()
)
# Country names that are also given names: "India Harlow", "Kenya Mitchell".
_GIVEN_NAMES = frozenset(
    "India Kenya Israel Jordan Chad Georgia Jamaica Chelsea Paris Brooklyn".split()
)
_DEMONYM_END = re.compile(
    r"(an|ans|ese|sh|ch|i|is|ic|ote|ois|ais|ean|eans|er|ers|ene|gue|que|ino|inos|ina|inas|ite"
    r"|ites|ot|ots|be|bè)$"
)
_SHORT_DEMONYMS = frozenset(
    """Greek Greeks Uzbek Uzbeks Kazakh Kazakhs Tajik Tajiks Turkmen Kyrgyz Lao Malagasy Dane
    Danes Finn Finns Swede Swedes Pole Poles Turk Turks Brit Brits Slovak Slovaks Basotho Motswana
    Batswana Czechs Montenegrin Montenegrins Kiwi Kiwis Swiss Scots Welsh Irish Dutch Spanish
    French British English""".split()
)
_NOT_DEMONYMS = re.compile(
    r"Republic|Kingdom|Emirate|Sultanate| of |&| and |^Port |^Abu |^New Delhi$|^The |^Bandar"
    r"|^Palazzo|^mainland|^Chinese Taipei$"
)


def _is_demonym(alias: str, spec: dict[str, Any]) -> bool:
    """Whether ``alias`` is a demonym or adjective ("Japanese", "South Koreans"), judged by its
    ending; names, official names, capitals and seats are not."""
    last = alias.split()[-1]
    if alias == spec.get("name") or _NOT_DEMONYMS.search(alias) or last.isupper():
        return False
    if last in _SHORT_DEMONYMS:
        return True
    return bool(_DEMONYM_END.search(last)) and alias not in _NAMES_WITH_DEMONYM_ENDINGS


# Capitals, seats and short names whose spelling ends like a demonym.
_NAMES_WITH_DEMONYM_ENDINGS = frozenset(
    """Yerevan Belmopan Bangui Abidjan Zhongnanhai Algiers Helsinki Paris Westminster Tbilisi
    Delhi Tehran Teheran Farnesina Amman Kasumigaseki Kantei Nairobi Moroni Nur-Sultan Tripoli
    Kigali Dili Tunis Funafuti Taipei Vatican Hanoi Pristina Prishtina Bosnia-Herzegovina
    Burkina Prague Bern Berlin Dublin Lisbon Ankara Astana Bishkek Kremlin Vienna Bratislava
    Tallinn Vilnius Wellington Washington Beijing Canberra Ottawa Pretoria Kyiv Kiev Moscow
    Brussels Rabat Khartoum Islamabad Kabul Baghdad Damascus Sanaa Doha Riyadh Muscat Manama
    Taiwan Japan Iran Oman Sudan Pakistan Afghanistan Bhutan Kazakhstan Uzbekistan Tajikistan
    Turkmenistan Kyrgyzstan Azerbaijan Yemen Bahrain Brunei Mali Malawi Burundi Djibouti Haiti
    Fiji Niger Chile Vietnam Dushanbe""".split()
)

ALIAS_BLOC, ALIAS_DOUBTFUL, ALIAS_DEMONYM, ALIAS_GROUP_BLOC = 1, 2, 4, 8
ALIAS_FALSE_FRIEND, ALIAS_US, ALIAS_GEORGIA, ALIAS_WASHINGTON, ALIAS_EU = 16, 32, 64, 128, 256
ALIAS_TURKEY = 512


@dataclass(frozen=True)
class GeoResult:
    """Countries (ISO codes, in order of first mention), blocs, and the scope of the action."""

    countries: tuple[str, ...]
    blocs: tuple[str, ...]
    scope: str

    def to_dict(self) -> dict[str, Any]:
        return {"countries": list(self.countries), "blocs": list(self.blocs), "scope": self.scope}


class Gazetteer:
    """The alias tables of a gazetteer file (the packaged one by default).

    ``aliases`` maps each alias to its entity index and flags (``ALIAS_*``); ``codes`` holds the
    entities' codes (countries first, then blocs); ``false_friends`` the lower-case phrases
    (with plurals) inside which an alias means nothing; ``lexicon`` the cue words and their
    classes.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = data.get("version", "0")
        self.names: dict[str, str] = {}
        self.bloc_members: dict[str, tuple[str, ...]] = {}
        self.codes: list[str] = []
        self.is_bloc: list[bool] = []
        self.aliases: dict[str, tuple[int, int]] = {}
        entries: dict[str, list[tuple[int, int]]] = {}
        ambiguous: set[str] = set()
        for kind, table in (("country", data["countries"]), ("bloc", data["blocs"])):
            for code, spec in table.items():
                index = len(self.codes)
                self.codes.append(code)
                self.is_bloc.append(kind == "bloc")
                self.names[code] = spec.get("name", code)
                flags = 0
                if kind == "bloc":
                    self.bloc_members[code] = tuple(spec.get("members", []))
                    flags |= ALIAS_BLOC | (ALIAS_GROUP_BLOC if code in _GROUP_BLOCS else 0)
                    flags |= ALIAS_EU if code == "EU" else 0
                flags |= ALIAS_US if code == "US" else 0
                for alias in {spec.get("name", code), *spec.get("aliases", [])}:
                    alias = alias.strip()
                    if alias:
                        demonym = kind == "country" and _is_demonym(alias, spec)
                        entry = (index, flags | (ALIAS_DEMONYM if demonym else 0))
                        entries.setdefault(alias, []).append(entry)
                ambiguous.update(a.strip() for a in spec.get("ambiguous", []))
        phrases = set(data.get("false_friends", []))
        self.false_friends = sorted({v.lower() for p in phrases for v in (p, p + "s", p + "es")})
        # Every run of consecutive words of a phrase: an alias that is not one of them never
        # lies inside a false friend, and skips that check.
        inside: set[str] = set()
        for phrase in self.false_friends:
            words = re.findall(r"\w+", phrase)
            inside.update(
                " ".join(words[i:j])
                for i in range(len(words))
                for j in range(i + 1, len(words) + 1)
            )
        for alias, options in entries.items():
            # An alias of a bloc and of a country ("Brussels") means the bloc.
            index, flags = min(options, key=lambda e: not (e[1] & ALIAS_BLOC))
            if alias in ambiguous or len(options) > 1 or alias in _GIVEN_NAMES:
                flags |= ALIAS_DOUBTFUL
            if " ".join(re.findall(r"\w+", alias.lower())) in inside:
                flags |= ALIAS_FALSE_FRIEND
            flags |= ALIAS_GEORGIA if alias == "Georgia" else 0
            flags |= ALIAS_TURKEY if alias == "Turkey" else 0
            flags |= ALIAS_WASHINGTON if alias == "Washington" else 0
            self.aliases[alias] = (index, flags)
        self.lexicon = _lexicon()
        for alias in self.aliases:
            _check_capitalised(alias, self.aliases)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Gazetteer:
        text = resources.files("classifier").joinpath("data/gazetteer.json").read_text("utf-8")
        return cls(json.loads(text))

    def scanner(self) -> Any:
        """The compiled scanner over these tables (cached), or None without the C extension."""
        if _NativeScanner is None:
            return None
        if "_scanner" not in self.__dict__:
            aliases = [(a.encode("utf-8"), i, f) for a, (i, f) in self.aliases.items()]
            self._scanner = _NativeScanner(
                aliases,
                [p.encode("utf-8") for p in self.false_friends],
                sorted(self.lexicon.items()),
                self.codes,
                list(SCOPES),
            )
        return self._scanner

    def _tries(self) -> tuple[dict, dict]:
        if "_trie" not in self.__dict__:
            self._trie = _build_trie(self.aliases)
            self._ff_trie = _build_trie(dict.fromkeys(self.false_friends, True))
        return self._trie, self._ff_trie


def _capital(char: str) -> bool:
    return "A" <= char <= "Z" or ord(char) >= 0x80


def _check_capitalised(alias: str, aliases: Mapping[str, Any]) -> None:
    """An alias must start with a capital (or non-ASCII) letter, or contain a word that does
    and is an alias itself ("China" in "mainland China"): the scanner's quick pass looks for
    aliases only at such words."""
    if _capital(alias[0]):
        return
    words = re.findall(r"[^\W_]+", alias)
    word = next((w for w in words if _capital(w[0])), None)
    if word is None or word not in aliases:
        raise ValueError(
            f"gazetteer alias {alias!r} starts with a small letter and has no capitalised word "
            "that is an alias; capitalise it or add that word as an alias"
        )


def extract(text: str, gazetteer: Gazetteer | None = None) -> GeoResult:
    """Countries, blocs and scope of one text.

    Examples
    --------
    >>> r = extract("The U.S., Japan and South Korea pledged to coordinate chip export controls.")
    >>> r.countries, r.scope
    (('US', 'JP', 'KR'), 'trilateral')
    >>> extract("Michael Jordan ordered a turkey sandwich on fine china.").countries
    ()
    >>> extract("A Japanese supplier halted shipments to Chinese customers.").scope
    'none'
    """
    return extract_many([text], gazetteer)[0]


def extract_many(texts: Iterable[str], gazetteer: Gazetteer | None = None) -> list[GeoResult]:
    """:func:`extract` over many texts, in the compiled scanner when it is built.

    Examples
    --------
    >>> [r.scope for r in extract_many(["Seoul and Tokyo signed a pact.", "Rain in Spain."])]
    ['bilateral', 'none']
    """
    return [GeoResult(*found) for found in _extract(check_documents(texts), gazetteer, False)]


def extract_records(texts: list[str], gazetteer: Gazetteer | None = None) -> list[dict[str, Any]]:
    """Per text, ``{"countries": (...), "blocs": (...), "scope": ...}``: what the tagger adds
    to its results (the fastest form, built by the compiled scanner when it is there).

    Examples
    --------
    >>> extract_records(["Japan's trade ministry tightened export rules."])
    [{'countries': ('JP',), 'blocs': (), 'scope': 'unilateral'}]
    """
    return _extract(texts, gazetteer, True)


def native_available() -> bool:
    """Whether the compiled scanner is in use (otherwise the Python reference runs: the same
    answers, some 200 times slower)."""
    return _NativeScanner is not None


def _extract(texts: list[str], gazetteer: Gazetteer | None, as_dicts: bool) -> list[Any]:
    gazetteer = gazetteer or Gazetteer.default()
    scanner = gazetteer.scanner()
    if scanner is not None:
        return scanner.extract_many(texts, as_dicts)
    found = [_extract_reference(text, gazetteer) for text in texts]
    if as_dicts:
        return [{"countries": c, "blocs": b, "scope": s} for c, b, s in found]
    return found


# --- the reference implementation -------------------------------------------------------------


def _build_trie(words: Iterable[str]) -> dict:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = word
    return trie


def _separator(char: str) -> bool:
    """Whether ``char`` separates tokens: ASCII other than letters and digits, Latin-1
    punctuation (U+0080-U+00BF), general punctuation (U+2000-U+206F) and CJK punctuation
    (U+3000-U+303F). Every other character is part of a word."""
    code = ord(char)
    if code < 128:
        return not char.isalnum()
    return code <= 0xBF or 0x2000 <= code <= 0x206F or 0x3000 <= code <= 0x303F


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# Token flags. BREAK (a sentence ends), COMMA, SPACE (spaces only) and HYPHEN describe the gap
# before the token; POSSESSIVE: "'s" follows; ALIAS: a one-word alias; ED: an "-ed" word.
T_UPPER, T_BREAK, T_COMMA, T_SPACE = 1, 2, 4, 8
T_HYPHEN, T_POSSESSIVE, T_ALIAS, T_ED = 16, 32, 64, 128


@dataclass
class _Token:
    start: int
    end: int
    flags: int
    bits: int  # lexicon classes of the lower-cased word


def _tokens(text: str, lexicon: dict[str, int]) -> list[_Token]:
    tokens: list[_Token] = []
    n, i, previous_end = len(text), 0, 0
    while i < n:
        if _separator(text[i]):
            i += 1
            continue
        start = i
        while i < n and not _separator(text[i]):
            i += 1
        gap, word = text[previous_end:start], text[start:i]
        previous_end = i
        if tokens and word == "s" and gap in ("'", "\u2019"):
            tokens[-1].flags |= T_POSSESSIVE
            continue
        flags = T_UPPER if "A" <= word[0] <= "Z" else 0
        if tokens:
            if gap in ("-", ".-"):
                flags |= T_HYPHEN  # "Singapore-based", "U.S.-listed"
            elif gap.strip(" ") == "":
                flags |= T_SPACE
            if "," in gap:
                flags |= T_COMMA
            # "U.S. officials": a dot after a one-letter word does not end the sentence.
            last = tokens[-1]
            dot = "." in gap and not (last.end - last.start == 1 and text[last.start].isascii())
            if dot or " - " in gap or any(c in gap for c in "\n!?;:\u2013\u2014"):
                flags |= T_BREAK
        if i - start > 3 and word.endswith("ed") and word.isascii():
            flags |= T_ED
        bits = 0
        if i - start <= 24 and word.isascii():
            bits = lexicon.get(word.translate(_ASCII_LOWER), 0)
            if word.isdigit() and i - start <= 3:
                value = int(word)
                bits = TWO if value == 2 else THREE if value == 3 else MANY if value > 3 else 0
        tokens.append(_Token(start, i, flags, bits))
    return tokens


def _longest(trie: dict, text: str, start: int) -> int:
    """End of the longest trie word at ``text[start:]`` that ends at a word boundary, or -1."""
    node, i, best, n = trie, start, -1, len(text)
    while i < n:
        node = node.get(text[i])
        if node is None:
            break
        i += 1
        if "" in node and (i == n or _separator(text[i]) or _separator(text[i - 1])):
            best = i
    return best


@dataclass
class _Mention:
    entity: int
    flags: int
    first: int  # index of its first token
    last: int  # index of its last token
    start: int
    end: int


def _extract_reference(text: str, gaz: Gazetteer) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    trie, ff_trie = gaz._tries()
    tokens = _tokens(text, gaz.lexicon)
    mentions: list[_Mention] = []
    k = 0
    while k < len(tokens):
        end = _longest(trie, text, tokens[k].start)
        if end < 0:
            k += 1
            continue
        last = k
        while last + 1 < len(tokens) and tokens[last + 1].start < end:
            last += 1
        entity, flags = gaz.aliases[text[tokens[k].start : end]]
        mentions.append(_Mention(entity, flags, k, last, tokens[k].start, end))
        if k == last:
            tokens[k].flags |= T_ALIAS
        k = last + 1
    if not mentions:
        return (), (), "none"
    spans = []
    if any(m.flags & ALIAS_FALSE_FRIEND for m in mentions):
        lowered = text.translate(_ASCII_LOWER)
        for token in tokens:
            end = _longest(ff_trie, lowered, token.start)
            if end > 0:
                spans.append((token.start, end))
    kept = [m for m in mentions if not _dropped(m, tokens, spans, mentions)]
    doc_bits = 0
    for token in tokens:
        doc_bits |= token.bits
    # Doubtful aliases judged on their own context first (True, False or None: undecided);
    # the undecided ones count when another place is certain ("Jordan and Chad" alone is not).
    verdicts = [_supported(m, tokens, doc_bits) if m.flags & ALIAS_DOUBTFUL else True for m in kept]
    certain = {m.entity for m, verdict in zip(kept, verdicts) if verdict}
    found = [
        m
        for m, verdict in zip(kept, verdicts)
        if verdict or (verdict is None and (m.entity in certain or len(certain - {m.entity}) > 0))
    ]
    countries = tuple(dict.fromkeys(gaz.codes[m.entity] for m in found if not m.flags & ALIAS_BLOC))
    blocs = tuple(dict.fromkeys(gaz.codes[m.entity] for m in found if m.flags & ALIAS_BLOC))
    return countries, blocs, SCOPES[_scope(found, tokens)]


def _dropped(m: _Mention, tokens: list[_Token], spans: list, mentions: list[_Mention]) -> bool:
    """A false friend ("china clay"), a town named after a country ("Cuba, New York"), or
    Washington the state."""
    if m.flags & ALIAS_FALSE_FRIEND and any(a <= m.start and m.end <= b for a, b in spans):
        return True
    following = m.last + 1
    if following >= len(tokens):
        return False
    nxt = tokens[following]
    if m.flags & ALIAS_WASHINGTON and nxt.bits & STATE_NOUN and not nxt.flags & T_BREAK:
        return True
    if not nxt.flags & T_COMMA or nxt.flags & T_BREAK or not nxt.flags & T_UPPER:
        return False
    if nxt.bits & US_STATE and not m.flags & ALIAS_GEORGIA:
        return True
    if following + 1 < len(tokens) and tokens[following + 1].bits & STATE_WORD2:
        return tokens[following + 1].flags & T_UPPER != 0
    return any(o.first == following and o.flags & ALIAS_US for o in mentions)


def _supported(m: _Mention, tokens: list[_Token], doc_bits: int) -> bool | None:
    """Whether a doubtful alias is meant as a country (or bloc) here; None if its context
    does not tell."""
    n = len(tokens)
    first = tokens[m.first]
    before = tokens[m.first - 1] if m.first > 0 and not first.flags & T_BREAK else None
    after = tokens[m.last + 1] if m.last + 1 < n else None
    if after is not None and after.flags & T_BREAK:
        after = None
    possessive = tokens[m.last].flags & T_POSSESSIVE
    if after is not None:
        if after.bits & RIVER:
            return False  # the Niger River
        if after.bits & COORD and m.last + 3 < n:
            third = tokens[m.last + 3]
            if third.bits & RIVER and not (third.flags | tokens[m.last + 2].flags) & T_BREAK:
                return False  # the Niger and Benue rivers
    if before is not None and before.bits & NAMING:
        return False  # a dog named Chad
    if m.flags & ALIAS_GEORGIA and (
        doc_bits & GEORGIA_US or any(t.bits & STATE_NOUN for t in tokens[m.last + 1 : m.last + 6])
    ):
        return False  # the US state: Atlanta, Savannah, Thanksgiving, "Georgia, the U.S. state"
    if (
        m.flags & ALIAS_GEORGIA
        and before is not None
        and first.flags & T_COMMA
        and before.flags & T_UPPER
        and not before.flags & T_ALIAS
    ):
        return False  # "Dalton, Georgia": a town, then its US state
    # A person's name: "Michael Jordan", "Chad Brooks", "India Harlow".
    if before is not None and first.flags & T_SPACE and not _place_or_word(before):
        return False
    if after is not None and after.flags & T_SPACE and not possessive and not _place_or_word(after):
        return False
    if before is not None:
        if before.bits & PLACE_PREP:
            return True
        if first.flags & T_COMMA and before.flags & T_UPPER:
            return True  # "Jingdezhen, China": a city, then its country
    low, high = max(0, m.first - 10), min(n, m.last + 11)
    if any(tokens[k].bits & GOV for k in range(low, high)):
        return True
    if m.flags & ALIAS_TURKEY and doc_bits & FOOD:
        return False  # the bird: "Turkey prices fell ahead of Thanksgiving"
    return None


def _place_or_word(token: _Token) -> bool:
    """A neighbour that cannot be part of a person's name."""
    return (
        not token.flags & T_UPPER
        or token.flags & T_ALIAS != 0
        or token.bits & (GOV | FUNCTION) != 0
    )


def _phrase_after(tokens: list[_Token], last: int, count: int) -> list[_Token]:
    """Up to ``count`` words after index ``last`` in its noun phrase: the sentence, a verb
    ("Beijing announced that exporters ...") or a function word ends it."""
    out = []
    for k in range(last + 1, min(len(tokens), last + 1 + count)):
        token = tokens[k]
        if token.flags & (T_BREAK | T_ED | T_COMMA) or token.bits & STOP:
            break
        out.append(token)
    return out


def _word_before(tokens: list[_Token], first: int) -> tuple[_Token | None, int]:
    """The word before a mention in its sentence, skipping articles and directions ("the",
    "eastern"); and its index, or (None, -1) at the start of a sentence."""
    k = first - 1
    while k >= 0 and not tokens[k + 1].flags & T_BREAK and tokens[k].bits & SKIP:
        k -= 1
    if k < 0 or tokens[k + 1].flags & T_BREAK:
        return None, -1
    return tokens[k], k


def _in_list_after(previous: _Mention, m: _Mention, tokens: list[_Token]) -> bool:
    """``m`` follows ``previous`` in a list: "X, Y and Z" (articles allowed)."""
    if previous.last >= m.first or tokens[m.first].flags & T_BREAK:
        return False
    linked = (
        bool(tokens[previous.last + 1].flags & T_COMMA) if previous.last + 1 == m.first else False
    )
    for k in range(previous.last + 1, m.first):
        token = tokens[k]
        if token.flags & T_BREAK or not token.bits & (COORD | ARTICLE):
            return False
        linked = linked or bool(token.bits & COORD or token.flags & T_COMMA)
    return linked


# Roles of a mention (_role): no part in the action, a party to it, or the source of the report.
NOT_ACTING, ACTING, REPORTING = 0, 1, 2
# Sentences at the start of a text whose parties make the scope (a headline counts as one).
LEAD_SENTENCES = 2


def _role(m: _Mention, tokens: list[_Token], phrase_end: int) -> int:
    """Whether the mention stands for a government doing something: a subject or a partner
    ("Japan said", "with Japan"), or a state actor ("Japanese officials", "Japan's ministry");
    not an object ("urged Japan"), a place ("in Japan"), a target ("curbs on Japan"), a
    company's origin ("a Japanese supplier", "Singapore-based") or a team ("India beat
    Pakistan"). A trailing source (", the Japanese defence ministry said.") is REPORTING.
    ``phrase_end`` is the last token of the list the mention opens ("Japanese and Korean
    officials")."""
    n = len(tokens)
    if m.last + 1 < n:
        nxt = tokens[m.last + 1]
        if nxt.flags & T_HYPHEN and not nxt.flags & T_UPPER:
            return NOT_ACTING  # Singapore-based, U.S.-listed, Russian-controlled
    before, index = _word_before(tokens, m.first)
    first = tokens[m.first]
    following = tokens[phrase_end + 1] if phrase_end + 1 < n else None
    if following is not None and following.flags & T_BREAK:
        following = None
    subject = before is None
    blocked = False  # a place, target or neighbour: no verb after it makes it a subject
    if before is not None:
        after_state = index > 0 and tokens[index - 1].bits & STATE
        if before.bits & (FROM | LOCATIVE) and after_state:
            subject = True  # officials from Japan, regulators in Japan, the leaders of Japan
        elif before.bits & SUBJECT:
            blocked = bool(index > 0 and tokens[index - 1].bits & NOT_PARTNER)  # border with Haiti
            subject = not blocked
        elif before.bits & (LOCATIVE | TARGET):
            blocked = True
        elif first.flags & T_COMMA or tokens[index + 1].flags & T_COMMA:
            # "On Monday, Japan ...": a clause starts; "in Jingdezhen, China": a place.
            blocked = bool(
                before.flags & T_UPPER and index > 0 and tokens[index - 1].bits & LOCATIVE
            )
            subject = not blocked
            if _reports(tokens, phrase_end):
                return REPORTING
    if following is not None and (following.bits & VERB or following.flags & T_ED) and not blocked:
        subject = True  # "Tokyo said", "a move Georgetown denounced"
    if m.flags & ALIAS_BLOC:
        if m.first > 0 and tokens[m.first - 1].bits & OWNER:
            return NOT_ACTING  # its AUKUS submarines
        return ACTING if subject else NOT_ACTING
    if not subject:
        return NOT_ACTING  # an object ("expelled a Russian diplomat"), a place or a target
    after = _phrase_after(tokens, phrase_end, 4)
    state = next((k for k, t in enumerate(after) if t.bits & STATE), 99)
    company = next((k for k, t in enumerate(after) if t.bits & COMPANY), 99)
    state_or_act = next((k for k, t in enumerate(after) if t.bits & (STATE | ACT_NOUN)), 99)
    if m.flags & ALIAS_DEMONYM:
        acts = state < company  # Japanese officials; a Japanese supplier
    elif tokens[m.last].flags & T_POSSESSIVE:
        acts = state_or_act < company  # Japan's trade ministry, not Japan's carmakers
    elif company < state_or_act:
        acts = False  # a U.S. chipmaker
    else:  # a bare name: a government, unless the sentence is about sport
        acts = state_or_act < 99 or not _in_sport(m, tokens)
    return ACTING if acts else NOT_ACTING


def _in_sport(m: _Mention, tokens: list[_Token]) -> bool:
    """Whether the mention's sentence is about sport: "Japan beat Italy 3-2"."""
    start = m.first
    while start > 0 and not tokens[start].flags & T_BREAK:
        start -= 1
    end = m.last + 1
    while end < len(tokens) and not tokens[end].flags & T_BREAK:
        end += 1
    return any(tokens[k].bits & SPORT for k in range(start, end))


def _reports(tokens: list[_Token], phrase_end: int) -> bool:
    """Whether the phrase ending at ``phrase_end`` ends its sentence with "said" or "says"."""
    for k in range(phrase_end + 1, min(len(tokens), phrase_end + 6)):
        if tokens[k].flags & (T_BREAK | T_COMMA):
            return False
        if tokens[k].bits & SAY:
            return k + 1 == len(tokens) or bool(tokens[k + 1].flags & T_BREAK)
    return False


def _count_cue(tokens: list[_Token], limit: int) -> int:
    """The number of parties the text states before token ``limit``: "both sides" 2, "three
    nations" 3, "twenty countries" 4 (many); 0 if it states none. A count that follows a
    target or place ("exports to more than 40 countries") is not one of parties."""
    for k in range(limit):
        token = tokens[k]
        if not token.bits & (TWO | THREE | MANY):
            continue
        j = k - 1
        while j >= 0 and not tokens[j + 1].flags & T_BREAK and tokens[j].bits & (QUANT | SKIP):
            j -= 1
        if (
            j >= 0
            and not tokens[j + 1].flags & T_BREAK
            and tokens[j].bits & (TARGET | LOCATIVE)
            and not tokens[j].bits & SUBJECT
        ):
            continue  # "exports to more than 40 countries"
        for following in _phrase_after(tokens, k, 3):
            if following.bits & COMPANY:
                break
            if following.bits & GROUP:
                return 2 if token.bits & TWO else 3 if token.bits & THREE else 4
    return 0


def _lead_end(tokens: list[_Token]) -> int:
    """Index of the first token after the lead: the first LEAD_SENTENCES sentences of four
    words or more (a dateline such as "WASHINGTON (GeoWire) -" does not count)."""
    sentences, length = 0, 0
    for k, token in enumerate(tokens):
        if token.flags & T_BREAK and k:
            if length >= 4:
                sentences += 1
                if sentences == LEAD_SENTENCES:
                    return k
            length = 0
        length += 1
    return len(tokens)


def _parties(mentions: list[_Mention], tokens: list[_Token], limit: int) -> tuple[list, list, bool]:
    """The acting entities among mentions that start before token ``limit``, the reporting
    ones, and whether a bloc acts as a group (the G7, EU ministers)."""
    acting: dict[int, None] = {}
    reporting: dict[int, None] = {}
    group = False
    k = 0
    while k < len(mentions) and mentions[k].first < limit:
        end = k  # mentions[k:end + 1] form a list: "X, Y and Z"
        while end + 1 < len(mentions) and _in_list_after(mentions[end], mentions[end + 1], tokens):
            end += 1
        role = _role(mentions[k], tokens, mentions[end].last)
        for m in mentions[k : end + 1]:
            if role == REPORTING:
                reporting[m.entity] = None
            if role != ACTING:
                continue
            acting[m.entity] = None
            if m.flags & ALIAS_GROUP_BLOC:
                group = True
            elif m.flags & ALIAS_EU and any(
                t.bits & GROUP for t in _phrase_after(tokens, m.last, 3)
            ):
                group = True  # EU ministers, EU member states
        k = end + 1
    return list(acting), list(reporting), group


def _scope(mentions: list[_Mention], tokens: list[_Token]) -> int:
    """Index in ``SCOPES`` of the scope: the number of parties acting in the lead, or more when
    it states a number ("twenty countries") or a bloc acts as a group; the source of the report
    acts when nobody else does."""
    limit = _lead_end(tokens)
    acting, reporting, group = _parties(mentions, tokens, limit)
    cue = _count_cue(tokens, limit)
    if not acting:
        acting = reporting
    if not acting and not cue:
        return 0
    if group:
        return 4
    return max(min(len(acting), 4), cue)
