import pytest

from classifier.text import analyze, normalize, tokenize


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("semi\u00adconductor", "semiconductor"),  # soft hyphen
        ("semi\u200bconductor", "semiconductor"),  # zero-width space
        ("\ufeffsemiconductor", "semiconductor"),  # byte-order mark
        ("ＳＥＭＩＣＯＮＤＵＣＴＯＲ", "semiconductor"),  # full-width letters
        ("<p>semiconductor</p>", " semiconductor "),  # markup
        ("semiconductor&nbsp;", "semiconductor "),  # entity decoded; NFKC makes NBSP a space
        ("SEMICONDUCTOR", "semiconductor"),
    ],
)
def test_normalize_makes_disguised_words_plain(raw, plain):
    assert normalize(raw) == plain
    assert tokenize(normalize(raw)) == ["semiconductor"]


def test_analyze_builds_unigrams_and_bigrams():
    assert analyze("Rare-earth export curbs") == [
        "rare",
        "earth",
        "export",
        "curbs",
        "rare earth",
        "earth export",
        "export curbs",
    ]
    assert analyze("one two three", (2, 3)) == ["one two", "two three", "one two three"]
    assert analyze("") == []


def test_other_scripts_tokenize_without_error():
    assert tokenize(normalize("半导体出口管制")) == ["半导体出口管制"]
    assert tokenize(normalize("반도체 수출 통제")) == ["반도체", "수출", "통제"]
