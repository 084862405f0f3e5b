import hashlib
import json
import zipfile

import numpy as np
import pytest
from helpers import TOY_TEXTS

from classifier import (
    ArticleTagger,
    ModelFormatError,
    ModelVersionError,
    UnsafeModelError,
    read_manifest,
)
from classifier.persistence import FORMAT_VERSION


def rewrite(path, out, *, manifest_edit=None, payload=None):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        state = archive.read("state.joblib")
    if manifest_edit:
        manifest_edit(manifest)
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("state.joblib", payload if payload is not None else state)
    return out


def test_round_trip_gives_identical_predictions(toy_tagger, toy_model_path):
    loaded = ArticleTagger.load(toy_model_path)
    texts = [*TOY_TEXTS, "crude oil and wheat"]
    np.testing.assert_array_equal(
        loaded.decision_function(texts), toy_tagger.decision_function(texts)
    )
    assert list(loaded.tag_many(texts)) == list(toy_tagger.tag_many(texts))
    assert loaded.get_params()["min_df"] == 1
    assert loaded.taxonomy_ == toy_tagger.taxonomy_


def test_saving_twice_gives_the_same_bytes(toy_tagger, tmp_path):
    a = toy_tagger.save(tmp_path / "a.tagger").read_bytes()
    b = toy_tagger.save(tmp_path / "b.tagger").read_bytes()
    assert a == b


def test_manifest_describes_the_model(toy_model_path):
    manifest = read_manifest(toy_model_path)
    assert manifest["format"] == "classifier-model"
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest["versions"]) >= {"classifier", "python", "numpy", "scikit-learn"}
    assert manifest["taxonomy"]["facets"]["topics"]["labels"].keys() == {"grain", "oil", "metals"}
    assert manifest["training"]["fingerprint"].startswith("sha256:")
    assert set(manifest["thresholds"]["topics"]) == {"grain", "oil", "metals"}
    assert "cross_validated" in manifest["evaluation"]
    assert manifest["payload"]["requires"] == ["numpy"]
    with zipfile.ZipFile(toy_model_path) as archive:
        digest = hashlib.sha256(archive.read("state.joblib")).hexdigest()
    assert manifest["payload"]["sha256"] == digest


def test_newer_format_is_refused_unless_overridden(toy_model_path, tmp_path):
    def newer(m):
        m["format_version"] = FORMAT_VERSION + 1

    path = rewrite(toy_model_path, tmp_path / "new.tagger", manifest_edit=newer)
    with pytest.raises(ModelVersionError, match=f"model format {FORMAT_VERSION + 1} is newer"):
        ArticleTagger.load(path)
    assert ArticleTagger.load(path, allow_version_mismatch=True).tag("wheat")["topics"] == (
        "grain",
    )


@pytest.mark.parametrize(
    ("library", "stored"),
    [("numpy", "1.26.4"), ("scikit-learn", "0.24.2")],
)
def test_incompatible_library_version_is_refused_with_the_fix(
    toy_model_path, tmp_path, library, stored
):
    def forge(m):
        m["versions"][library] = stored
        if library not in m["payload"]["requires"]:
            m["payload"]["requires"].append(library)

    path = rewrite(toy_model_path, tmp_path / "old.tagger", manifest_edit=forge)
    with pytest.raises(ModelVersionError, match=rf"written with {library} {stored}.*retrain"):
        ArticleTagger.load(path)
    assert ArticleTagger.load(path, allow_version_mismatch=True).tag("crude oil")["topics"] == (
        "oil",
    )


def test_other_scikit_learn_release_loads_the_plain_array_payload(toy_model_path, tmp_path):
    def forge(m):
        m["versions"]["scikit-learn"] = "0.24.2"

    path = rewrite(toy_model_path, tmp_path / "sk.tagger", manifest_edit=forge)
    assert ArticleTagger.load(path).tag("crude oil")["topics"] == ("oil",)


def test_altered_payload_is_refused_before_unpickling(toy_model_path, tmp_path):
    path = rewrite(toy_model_path, tmp_path / "bad.tagger", payload=b"not the payload")
    with pytest.raises(ModelFormatError, match="digest does not match"):
        ArticleTagger.load(path)


def test_damaged_and_foreign_files_are_refused(toy_model_path, tmp_path):
    truncated = tmp_path / "cut.tagger"
    truncated.write_bytes(toy_model_path.read_bytes()[:500])
    with pytest.raises(ModelFormatError, match="cut.tagger"):
        ArticleTagger.load(truncated)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ModelFormatError, match="not a classifier model"):
        ArticleTagger.load(text)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        ArticleTagger.load(tmp_path / "missing.tagger")


class WritesMarker:
    """Pickles to a call that writes a file: what a malicious model would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.write_text, (pathlib.Path(self.path), "pwned"))


def forge_payload(model_path, out, payload):
    """A model file whose payload is replaced and whose manifest digest is updated to match."""

    def fix_digest(m):
        m["payload"]["sha256"] = hashlib.sha256(payload).hexdigest()

    return rewrite(model_path, out, manifest_edit=fix_digest, payload=payload)


def test_malicious_payload_is_refused_and_never_runs(toy_model_path, tmp_path):
    import pickle

    marker = tmp_path / "marker.txt"
    payload = pickle.dumps({"vectorizer": WritesMarker(marker)})
    path = forge_payload(toy_model_path, tmp_path / "evil.tagger", payload)
    with pytest.raises(UnsafeModelError, match="calls pathlib.*trust=True"):
        ArticleTagger.load(path)
    assert not marker.exists()
    with pytest.raises(ModelFormatError):  # trusted: the code runs, then the state is rejected
        ArticleTagger.load(path, trust=True)
    assert marker.read_text() == "pwned"


def test_object_arrays_are_refused(toy_model_path, tmp_path):
    import io

    import joblib

    buffer = io.BytesIO()
    joblib.dump({"coef": np.array([WritesMarker(tmp_path / "m2.txt")], dtype=object)}, buffer)
    path = forge_payload(toy_model_path, tmp_path / "objects.tagger", buffer.getvalue())
    with pytest.raises(UnsafeModelError, match="array of Python objects"):
        ArticleTagger.load(path)
    assert not (tmp_path / "m2.txt").exists()


def test_cli_refuses_an_unsafe_model_with_exit_code_3(toy_model_path, tmp_path, capsys):
    import pickle

    from classifier.cli import main

    marker = tmp_path / "marker.txt"
    path = forge_payload(
        toy_model_path, tmp_path / "evil.tagger", pickle.dumps(WritesMarker(marker))
    )
    feed = tmp_path / "in.jsonl"
    feed.write_text('{"text": "oil"}\n')
    assert main(["tag", str(feed), "--model", str(path)]) == 3
    assert "refused to load" in capsys.readouterr().err
    assert not marker.exists()


def test_skops_round_trip_with_no_trusted_types(toy_tagger, tmp_path):
    pytest.importorskip("skops")
    from classifier.persistence import SKOPS_TRUSTED_TYPES

    path = toy_tagger.save_skops(tmp_path / "toy.skops")
    loaded = ArticleTagger.load(path)
    assert SKOPS_TRUSTED_TYPES == ()
    assert list(loaded.tag_many(TOY_TEXTS)) == list(toy_tagger.tag_many(TOY_TEXTS))
    assert loaded.manifest_["payload"]["name"] == "skops"


def test_skops_file_with_untrusted_types_is_refused(tmp_path):
    skops_io = pytest.importorskip("skops.io")
    import datetime

    path = tmp_path / "odd.skops"
    skops_io.dump({"manifest": "{}", "state": {"when": datetime.timedelta(days=1)}}, path)
    with pytest.raises(UnsafeModelError, match="types a classifier model never contains"):
        ArticleTagger.load(path)
