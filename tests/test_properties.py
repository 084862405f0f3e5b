"""Property-based tests (hypothesis) and a bounded fuzz run over the readers."""

from __future__ import annotations

import io
import sys

from helpers import TOY_TEXTS, TOY_TOPICS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier import ArticleTagger, Taxonomy
from classifier.io import read_records

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
any_text = st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=200)


@FAST
@given(text=st.text(max_size=300))
def test_any_unicode_string_tags_without_error(default_tagger, text):
    result = default_tagger.tag(text)
    assert set(result.labels) == {"sector", "cooperation"}
    assert all(0.0 <= p <= 1.0 for facet in result.scores.values() for p in facet.values())
    assert result.tokens is not None and 0 <= result.known <= result.tokens


@FAST
@given(
    texts=st.lists(st.sampled_from(TOY_TEXTS) | st.text(max_size=40), min_size=1, max_size=30),
    batch_size=st.integers(1, 40),
    seed=st.randoms(use_true_random=False),
)
def test_batch_results_equal_single_results_in_any_order(toy_tagger, texts, batch_size, seed):
    ids = list(range(len(texts)))
    seed.shuffle(ids)
    shuffled = [texts[i] for i in ids]
    batch = list(toy_tagger.tag_many(shuffled, ids=ids, batch_size=batch_size))
    assert batch == [toy_tagger.tag(t, id=i) for t, i in zip(shuffled, ids)]


@settings(max_examples=15, deadline=None)
@given(texts=st.lists(st.text(max_size=60), min_size=1, max_size=10))
def test_save_load_round_trip_keeps_predictions(toy_tagger, toy_model_path, texts):
    loaded = ArticleTagger.load(toy_model_path)
    assert list(loaded.tag_many(texts)) == list(toy_tagger.tag_many(texts))


def test_training_twice_gives_identical_model_bytes(tmp_path):
    """Fixed random_state: the same data gives the same weights, thresholds and file bytes
    (the file also records library versions, so bytes match on the same installation)."""
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals"]})
    paths = []
    for name in ("a", "b"):
        tagger = ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2, random_state=7)
        paths.append(
            tagger.fit(TOY_TEXTS, {"topics": TOY_TOPICS}).save(tmp_path / f"{name}.tagger")
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()


raw_lines = st.lists(
    st.binary(max_size=80)
    | st.builds(lambda s: s.encode("utf-8", "surrogatepass"), any_text)
    | st.sampled_from(
        [b'{"id": 1, "text": "x"}', b'{"text": ""}', b"[]", b'"q', b"\x00", b"\xef\xbb\xbf"]
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(lines=raw_lines, fmt=st.sampled_from(["jsonl", "csv", "lines", "text"]))
def test_fuzz_readers_never_crash_and_lose_nothing(tmp_path_factory, lines, fmt):
    path = tmp_path_factory.mktemp("fuzz") / f"input.{fmt if fmt != 'lines' else 'txt'}"
    data = b"\n".join(lines)
    if fmt == "csv":
        data = b"id,text\n" + data
    path.write_bytes(data)
    try:
        records = list(read_records([path], format=fmt, max_record_bytes=64))
    except ValueError as exc:  # only a whole-input problem may stop reading (e.g. CSV header)
        assert fmt == "csv" and str(path) in str(exc)
        return
    for record in records:
        assert (record.text is None) == (record.error is not None)
        if record.text is not None:
            record.text.encode("utf-8")
    if fmt == "jsonl":
        assert len(records) == expected_jsonl_records(data.split(b"\n"), limit=64)


def expected_jsonl_records(lines: list[bytes], limit: int) -> int:
    """One record per line that is too long or not blank (after a leading byte-order mark)."""
    count = 0
    for number, line in enumerate(lines):
        if len(line) > limit:
            count += 1
            continue
        if number == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        count += bool(line.decode("utf-8", "surrogateescape").rstrip("\r").strip())
    return count


def test_fuzz_stdin_reader(monkeypatch):
    data = b'\xef\xbb\xbf{"id": "a", "text": "x"}\n\xff\xfe\n{"text": 1}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    codes = [r.error.code if r.error else None for r in read_records(["-"])]
    assert codes == [None, "invalid_utf8", "text_not_a_string"]
