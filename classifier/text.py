"""Text normalisation and tokenisation: the first step of every path through the tagger.

Training and tagging run the same :func:`normalize` and :func:`analyze`, so a word written with a
soft hyphen, in full-width letters or inside HTML markup is the same feature as the plain word.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["analyze", "ngrams", "normalize", "tokenize"]

# Characters that render as nothing but split or disguise words: soft hyphen, zero-width
# space/joiners, word joiner, invisible operators, bidirectional controls, BOM, Mongolian vowel
# separator.
_INVISIBLE = re.compile("[\u00ad\u180e\ufeff\u200b-\u200f\u202a-\u202e\u2060-\u206f]")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,1000}>")
_TOKEN = re.compile(r"\w\w+")


def normalize(text: str, *, lowercase: bool = True) -> str:
    """Canonical form of ``text`` used for features.

    HTML tags are dropped and entities decoded, Unicode is NFKC-normalised (full-width letters,
    ligatures), invisible characters are removed, and (with ``lowercase``) the result is
    lower-cased.

    Examples
    --------
    >>> from classifier.text import normalize
    >>> normalize("Semi\\u00adconductor &amp; <b>ＡＩ</b>")
    'semiconductor &  ai '
    """
    # Tags first, then entities: "&lt;Acme Corp&gt;" is text that shows angle brackets, and
    # must not be taken for a tag once decoded.
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # A regex substitution, not str.translate: translate looks up every character in a dict.
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    return text.lower() if lowercase else text


def tokenize(text: str) -> list[str]:
    """Word tokens (two or more word characters) of already normalised text."""
    return _TOKEN.findall(text)


def ngrams(tokens: list[str], ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Word n-grams of ``tokens``, n in ``ngram_range`` (inclusive), shortest first."""
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def analyze(text: str, ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Normalise ``text`` and return its word n-grams, n in ``ngram_range`` (inclusive).

    Examples
    --------
    >>> from classifier.text import analyze
    >>> analyze("Export controls on chips")
    ['export', 'controls', 'on', 'chips', 'export controls', 'controls on', 'on chips']
    """
    return ngrams(tokenize(normalize(text)), ngram_range)
