"""Saving and loading taggers: a self-describing, verified model file.

A model file is a ZIP archive with two members:

``manifest.json``
    What the model is (format version, library versions, schema, training-data fingerprint,
    thresholds, evaluation scores) and the SHA-256 digest of the payload. It is read and checked
    before the payload is touched.
``state.joblib``
    The fitted state, compressed with joblib: plain numpy arrays, strings and numbers only (the
    vocabulary, idf, stacked weights, intercepts, thresholds). No scikit-learn object is pickled,
    so a model keeps working across scikit-learn releases; the versions that a payload does
    depend on are listed in the manifest (``payload.requires``) and checked on load.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import zipfile
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .exceptions import ModelFormatError, ModelVersionError
from .features import TfidfVectorizer
from .taxonomy import Taxonomy

__all__ = [
    "FORMAT_VERSION",
    "default_model_path",
    "dumps_model",
    "load_model",
    "loads_model",
    "read_manifest",
    "save_model",
]

FORMAT_NAME = "classifier-model"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAME = "state.joblib"
DEFAULT_MODEL_NAME = "default.tagger"
# Fixed member timestamps: the same model always gives a byte-identical file.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
# The payload holds numpy arrays pickled by numpy; a file written under numpy 2 cannot be read by
# numpy 1, so the major version is the compatibility key.
_PAYLOAD_REQUIRES = ("numpy",)


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _library_versions() -> dict[str, str | None]:
    return {
        "classifier": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _installed_version("scipy"),
        "scikit-learn": _installed_version("scikit-learn"),
        "joblib": _installed_version("joblib"),
    }


def _compatibility_key(library: str, version: str | None) -> str | None:
    """The part of a version that must match for a payload to load: numpy by major version,
    anything else (scikit-learn, should a payload ever depend on it) by major.minor."""
    if version is None:
        return None
    parts = version.split(".")
    return parts[0] if library == "numpy" else ".".join(parts[:2])


def default_model_path() -> Path:
    """Where the shipped default model is: inside the installed package, or, when running from
    a source checkout, in the repository's ``models/`` folder."""
    packaged = resources.files("classifier").joinpath("_models", DEFAULT_MODEL_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(
        "the default model is not installed (looked in the package and in models/); "
        "reinstall classifier, or train one with `classifier train` and pass its path"
    )


def dumps_model(tagger: Any, *, evaluation: Mapping[str, Any] | None = None) -> bytes:
    """The model file of a fitted :class:`~classifier.ArticleTagger`, as bytes.

    Used to ship a model to worker processes and cluster workers, which read it back with
    :func:`loads_model`, the same verified loader as for files.
    """
    import joblib

    tagger._check_fitted()
    if evaluation is None:
        evaluation = getattr(tagger, "manifest_", {}).get("evaluation", {}).get("test")
    state = {
        "vectorizer": tagger.vectorizer_.to_state(),
        "coef": np.ascontiguousarray(tagger.coef_, dtype=np.float32),
        "intercept": np.asarray(tagger.intercept_, dtype=np.float32),
        "thresholds": np.asarray(tagger.thresholds_, dtype=np.float64),
    }
    buffer = io.BytesIO()
    joblib.dump(state, buffer, compress=("zlib", 6))
    payload = buffer.getvalue()
    taxonomy: Taxonomy = tagger.taxonomy_
    params = {k: v for k, v in tagger.get_params(deep=False).items() if k != "taxonomy"}
    params["ngram_range"] = list(params["ngram_range"])
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _library_versions(),
        "payload": {
            "name": PAYLOAD_NAME,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "size": len(payload),
            "requires": list(_PAYLOAD_REQUIRES),
        },
        "taxonomy": taxonomy.to_dict(),
        "params": params,
        "n_features": int(tagger.coef_.shape[0]),
        "training": tagger.training_,
        "thresholds": {
            facet: {
                label: round(float(tagger.thresholds_[j]), 6)
                for label, j in zip(taxonomy[facet].labels, tagger._facet_columns(facet))
            }
            for facet in taxonomy.facet_names
        },
        "evaluation": {"cross_validated": tagger.cv_scores_, "test": dict(evaluation or {})},
    }
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w") as archive:
        for name, data, method in (
            (MANIFEST_NAME, json.dumps(manifest, indent=2).encode(), zipfile.ZIP_DEFLATED),
            (PAYLOAD_NAME, payload, zipfile.ZIP_STORED),
        ):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return archive_bytes.getvalue()


def save_model(
    tagger: Any, path: str | Path, *, evaluation: Mapping[str, Any] | None = None
) -> Path:
    """Write a fitted :class:`~classifier.ArticleTagger` to ``path``.

    Parameters
    ----------
    tagger : ArticleTagger
        A fitted tagger.
    path : str or Path
        Destination; written to a temporary name and renamed, so a crash never leaves a
        half-written model under the final name.
    evaluation : mapping, optional
        Scores on held-out test data, stored in the manifest next to the cross-validated ones.

    Returns
    -------
    Path
    """
    data = dumps_model(tagger, evaluation=evaluation)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def _open_archive(data: bytes | Path, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except FileNotFoundError:
        raise
    except IsADirectoryError as exc:
        raise ModelFormatError(f"{source}: is a directory, not a model file") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFormatError(
            f"{source}: not a classifier model file (or truncated): {exc}; "
            "models are written by `classifier train` or ArticleTagger.save()"
        ) from exc


def read_manifest(path: str | Path | None = None) -> dict[str, Any]:
    """The manifest of a model file, read without loading the model.

    Raises :class:`ModelFormatError` when the file is not a model file of a known format.
    """
    path = Path(path) if path is not None else default_model_path()
    with _open_archive(path, str(path)) as archive:
        return _read_manifest(archive, path)


def _read_manifest(archive: zipfile.ZipFile, path: str | Path) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST_NAME))
    except KeyError as exc:
        raise ModelFormatError(f"{path}: has no {MANIFEST_NAME}; not a classifier model") from exc
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ModelFormatError(f"{path}: unreadable manifest ({exc}); the file is damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFormatError(
            f"{path}: not a classifier model (format {manifest.get('format')!r})"
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFormatError(f"{path}: invalid format_version {version!r}")
    return manifest


def _check_versions(manifest: Mapping[str, Any], path: str | Path, allow_mismatch: bool) -> None:
    version = manifest["format_version"]
    if version > FORMAT_VERSION and not allow_mismatch:
        raise ModelVersionError(
            f"{path}: model format {version} is newer than this classifier "
            f"{__version__} reads (format {FORMAT_VERSION}); upgrade classifier "
            "(pip install -U classifier), or pass allow_version_mismatch=True / "
            "--allow-version-mismatch to try anyway"
        )
    stored = manifest.get("versions", {})
    installed = _library_versions()
    for library in manifest.get("payload", {}).get("requires", []):
        want = _compatibility_key(library, stored.get(library))
        have = _compatibility_key(library, installed.get(library) or _installed_version(library))
        if want != have and not allow_mismatch:
            raise ModelVersionError(
                f"{path}: written with {library} {stored.get(library)}, but {library} "
                f"{installed.get(library) or _installed_version(library)} is installed; "
                f"install {library}=={stored.get(library)} or retrain the model with "
                "`classifier train`; pass allow_version_mismatch=True / "
                "--allow-version-mismatch to load it anyway"
            )


def load_model(
    path: str | Path | None = None,
    *,
    allow_version_mismatch: bool = False,
    cls: type | None = None,
) -> Any:
    """Load a tagger saved by :func:`save_model`; without ``path``, the default model.

    The manifest is checked first (format, versions) and the payload's SHA-256 digest is
    verified before it is unpickled, so a damaged or altered file is refused.

    Parameters
    ----------
    path : str or Path, optional
    allow_version_mismatch : bool, default=False
        Load a file from a newer format or an incompatible library version anyway.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFormatError
        Not a model file, damaged, or its digest does not match.
    ModelVersionError
        Written by an incompatible format or library version.
    """
    path = Path(path) if path is not None else default_model_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    if path.is_dir():
        raise ModelFormatError(f"{path}: is a directory, not a model file")
    return loads_model(
        path.read_bytes(), allow_version_mismatch=allow_version_mismatch, cls=cls, source=str(path)
    )


def loads_model(
    data: bytes,
    *,
    allow_version_mismatch: bool = False,
    cls: type | None = None,
    source: str = "<model bytes>",
) -> Any:
    """Load a tagger from the bytes of a model file (see :func:`load_model`)."""
    import joblib

    from .model import ArticleTagger

    cls = cls or ArticleTagger
    with _open_archive(data, source) as archive:
        manifest = _read_manifest(archive, source)
        _check_versions(manifest, source, allow_version_mismatch)
        payload_info = manifest.get("payload", {})
        try:
            payload = archive.read(payload_info.get("name", PAYLOAD_NAME))
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            raise ModelFormatError(f"{source}: the model payload is missing or damaged") from exc
    if hashlib.sha256(payload).hexdigest() != payload_info.get("sha256"):
        raise ModelFormatError(
            f"{source}: the payload's SHA-256 digest does not match the manifest; the file is "
            "damaged or was altered, so it is not loaded"
        )
    state = joblib.load(io.BytesIO(payload))
    tagger = cls(**_params_from_manifest(manifest))
    tagger.taxonomy = tagger.taxonomy_ = Taxonomy.from_dict(manifest["taxonomy"], source=source)
    tagger.vectorizer_ = TfidfVectorizer.from_state(state["vectorizer"])
    tagger.coef_ = np.asarray(state["coef"], dtype=np.float32)
    tagger.intercept_ = np.asarray(state["intercept"], dtype=np.float32)
    tagger.thresholds_ = np.asarray(state["thresholds"], dtype=np.float64)
    tagger.cv_scores_ = manifest.get("evaluation", {}).get("cross_validated", {})
    tagger.training_ = manifest.get("training", {})
    tagger.manifest_ = manifest
    return tagger


def _params_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(manifest.get("params", {}))
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    return params
