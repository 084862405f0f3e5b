"""Saving and loading taggers: a self-describing, verified model file.

A model file is a ZIP archive with two members:

``manifest.json``
    What the model is (format version, library versions, schema, training-data fingerprint,
    thresholds, evaluation scores) and the SHA-256 digest of the payload. It is read and checked
    before the payload is touched.
``state.joblib``
    The fitted state written by joblib (and deflate-compressed in the archive): plain numpy
    arrays, strings and numbers only (the vocabulary, idf, stacked weights, intercepts,
    thresholds). No scikit-learn object is pickled, so a model keeps working across scikit-learn
    releases; the versions that a payload does depend on are listed in the manifest
    (``payload.requires``) and checked on load.

joblib files are pickles, and a pickle can run code when it is loaded. The loader therefore checks
the manifest and the payload's digest first, and then unpickles with an allow-list: only numpy
arrays of plain (non-object) types, and the containers and scalars pickle builds without calling
anything. Anything else, such as a ``__reduce__`` that calls a function, is refused before it
runs, unless the caller passes ``trust=True`` for a file they produced themselves. For models
that cross a trust boundary, :func:`save_skops` writes the same state in the skops format, which
is loaded without any pickle and with an explicit (empty) list of trusted types.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import platform
import zipfile
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._version import __version__
from .card import model_card
from .exceptions import ModelFormatError, ModelVersionError, UnsafeModelError
from .features import TfidfVectorizer
from .taxonomy import Taxonomy

__all__ = [
    "FORMAT_VERSION",
    "SKOPS_TRUSTED_TYPES",
    "default_model_path",
    "dumps_model",
    "load_model",
    "loads_model",
    "read_manifest",
    "save_model",
    "save_skops",
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
# What the payload's pickle may name: the three classes joblib uses to store numpy arrays.
_ALLOWED_GLOBALS = frozenset(
    {("numpy", "ndarray"), ("numpy", "dtype"), ("joblib.numpy_pickle", "NumpyArrayWrapper")}
)
# Types of a skops file that are trusted beyond skops' safe defaults: none, since the state is
# only dicts, lists, strings, numbers and numpy arrays.
SKOPS_TRUSTED_TYPES: tuple[str, ...] = ()
_SKOPS_SCHEMA = "schema.json"


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


def _state(tagger: Any) -> dict[str, Any]:
    return {
        "vectorizer": tagger.vectorizer_.to_state(),
        "coef": np.ascontiguousarray(tagger.coef_, dtype=np.float32),
        "intercept": np.asarray(tagger.intercept_, dtype=np.float32),
        "thresholds": np.asarray(tagger.thresholds_, dtype=np.float64),
    }


def _manifest(
    tagger: Any, evaluation: Mapping[str, Any] | None, payload: dict[str, Any]
) -> dict[str, Any]:
    if evaluation is None:
        evaluation = getattr(tagger, "manifest_", {}).get("evaluation", {}).get("test")
    taxonomy: Taxonomy = tagger.taxonomy_
    params = {k: v for k, v in tagger.get_params(deep=False).items() if k != "taxonomy"}
    params["ngram_range"] = list(params["ngram_range"])
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _library_versions(),
        "payload": payload,
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
    manifest["card"] = model_card(manifest)
    return manifest


def dumps_model(tagger: Any, *, evaluation: Mapping[str, Any] | None = None) -> bytes:
    """The model file of a fitted :class:`~classifier.ArticleTagger`, as bytes.

    Used to ship a model to worker processes and cluster workers, which read it back with
    :func:`loads_model`, the same verified loader as for files.
    """
    import joblib

    tagger._check_fitted()
    buffer = io.BytesIO()
    joblib.dump(_state(tagger), buffer)
    payload = buffer.getvalue()
    manifest = _manifest(
        tagger,
        evaluation,
        {
            "name": PAYLOAD_NAME,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "size": len(payload),
            "requires": list(_PAYLOAD_REQUIRES),
        },
    )
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", compresslevel=6) as archive:
        for name, data in (
            (MANIFEST_NAME, json.dumps(manifest, indent=2).encode()),
            (PAYLOAD_NAME, payload),
        ):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return archive_bytes.getvalue()


def _write_atomically(path: Path, write: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_skops(tagger: Any, path: str | Path) -> Path:
    """Write the tagger in the skops format, for models that cross a trust boundary.

    The file holds the same manifest and state as :func:`save_model`, stored by skops without
    pickle; :func:`load_model` reads it with :data:`SKOPS_TRUSTED_TYPES` (empty) as the only
    trusted types, and refuses a file that would need any other. Needs ``pip install skops``.
    """
    import skops.io as sio

    tagger._check_fitted()
    manifest = _manifest(tagger, None, {"name": "skops", "requires": []})
    content = {"manifest": json.dumps(manifest), "state": _state(tagger)}
    return _write_atomically(Path(path), lambda tmp: sio.dump(content, tmp))


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
    return _write_atomically(Path(path), lambda tmp: tmp.write_bytes(data))


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
    trust: bool = False,
    cls: type | None = None,
) -> Any:
    """Load a tagger saved by :func:`save_model` or :func:`save_skops`; without ``path``, the
    shipped default model.

    The manifest is checked first (format, versions) and the payload's SHA-256 digest is
    verified; the payload is then unpickled with an allow-list (numpy arrays of plain types and
    basic containers), so neither a damaged nor a crafted file runs code.

    Parameters
    ----------
    path : str or Path, optional
    allow_version_mismatch : bool, default=False
        Load a file from a newer format or an incompatible library version anyway.
    trust : bool, default=False
        Unpickle without the allow-list: only for files you produced yourself.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFormatError
        Not a model file, damaged, or its digest does not match.
    ModelVersionError
        Written by an incompatible format or library version.
    UnsafeModelError
        The payload names something a model never contains (and ``trust`` is False).
    """
    path = Path(path) if path is not None else default_model_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    if path.is_dir():
        raise ModelFormatError(f"{path}: is a directory, not a model file")
    data = path.read_bytes()
    with _open_archive(data, str(path)) as archive:
        is_skops = _SKOPS_SCHEMA in archive.namelist() and MANIFEST_NAME not in archive.namelist()
    if is_skops:
        return _load_skops(path, allow_version_mismatch, cls)
    return loads_model(
        data,
        allow_version_mismatch=allow_version_mismatch,
        trust=trust,
        cls=cls,
        source=str(path),
    )


def loads_model(
    data: bytes,
    *,
    allow_version_mismatch: bool = False,
    trust: bool = False,
    cls: type | None = None,
    source: str = "<model bytes>",
) -> Any:
    """Load a tagger from the bytes of a model file (see :func:`load_model`)."""
    with _open_archive(data, source) as archive:
        manifest = _read_manifest(archive, source)
        _check_versions(manifest, source, allow_version_mismatch)
        payload_info = manifest.get("payload", {})
        try:
            payload = archive.read(payload_info.get("name", PAYLOAD_NAME))
        except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ModelFormatError(f"{source}: the model payload is missing or damaged") from exc
    if hashlib.sha256(payload).hexdigest() != payload_info.get("sha256"):
        raise ModelFormatError(
            f"{source}: the payload's SHA-256 digest does not match the manifest; the file is "
            "damaged or was altered, so it is not loaded"
        )
    if trust:
        import joblib

        state = joblib.load(io.BytesIO(payload))
    else:
        state = _restricted_unpickle(payload, source)
    return _tagger_from(manifest, state, cls, source)


def _restricted_unpickle(payload: bytes, source: str) -> Any:
    """joblib's unpickler, allowed to build numpy arrays of plain types and nothing else."""
    import inspect

    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

    def refuse(what: str) -> UnsafeModelError:
        return UnsafeModelError(
            f"{source}: refused to load: the payload {what}, which a classifier model never "
            "contains, so loading it could run code; if you produced this file yourself, pass "
            "trust=True (--trust) to load it anyway"
        )

    class RestrictedUnpickler(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) not in _ALLOWED_GLOBALS:
                raise refuse(f"calls {module}.{name}")
            return super().find_class(module, name)

        def load_build(self) -> None:
            # An array wrapper of object dtype would be read with an unrestricted pickle.load.
            state, target = self.stack[-1], self.stack[-2] if len(self.stack) > 1 else None
            if isinstance(target, NumpyArrayWrapper):
                dtype = state.get("dtype") if isinstance(state, dict) else None
                if not isinstance(dtype, np.dtype) or dtype.hasobject:
                    raise refuse("holds an array of Python objects")
            super().load_build()

        dispatch: ClassVar[dict] = dict(NumpyUnpickler.dispatch)
        dispatch[pickle.BUILD[0]] = load_build

    keywords = {"mmap_mode": None}
    if "ensure_native_byte_order" in inspect.signature(NumpyUnpickler.__init__).parameters:
        keywords["ensure_native_byte_order"] = True
    try:
        return RestrictedUnpickler("", io.BytesIO(payload), **keywords).load()
    except UnsafeModelError:
        raise
    except Exception as exc:  # a damaged payload can fail in many ways inside pickle
        raise ModelFormatError(f"{source}: the model payload cannot be read ({exc})") from exc


def _load_skops(path: Path, allow_version_mismatch: bool, cls: type | None) -> Any:
    try:
        import skops.io as sio
    except ImportError as exc:
        raise ModelFormatError(
            f"{path}: is a skops model file; install skops (pip install skops) to read it"
        ) from exc
    unexpected = sorted(set(sio.get_untrusted_types(file=path)) - set(SKOPS_TRUSTED_TYPES))
    if unexpected:
        raise UnsafeModelError(
            f"{path}: refused to load: the file holds types a classifier model never contains "
            f"({', '.join(unexpected)})"
        )
    content = sio.load(path, trusted=list(SKOPS_TRUSTED_TYPES))
    try:
        manifest = json.loads(content["manifest"])
        state = content["state"]
    except (TypeError, KeyError, ValueError) as exc:
        raise ModelFormatError(f"{path}: not a classifier model in the skops format") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path}: not a classifier model in the skops format")
    _check_versions(manifest, str(path), allow_version_mismatch)
    return _tagger_from(manifest, state, cls, str(path))


def _tagger_from(manifest: Mapping[str, Any], state: Any, cls: type | None, source: str) -> Any:
    from .model import ArticleTagger

    try:
        tagger = (cls or ArticleTagger)(**_params_from_manifest(manifest))
        tagger.taxonomy = tagger.taxonomy_ = Taxonomy.from_dict(manifest["taxonomy"], source=source)
        tagger.vectorizer_ = TfidfVectorizer.from_state(state["vectorizer"])
        tagger.coef_ = np.asarray(state["coef"], dtype=np.float32)
        tagger.intercept_ = np.asarray(state["intercept"], dtype=np.float32)
        tagger.thresholds_ = np.asarray(state["thresholds"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(
            f"{source}: the model state is incomplete or malformed ({exc})"
        ) from exc
    n_labels = sum(len(f.labels) for f in tagger.taxonomy_.facets)
    if tagger.coef_.shape != (len(tagger.vectorizer_.vocabulary_), n_labels):
        raise ModelFormatError(f"{source}: the weights do not match the vocabulary and schema")
    tagger.cv_scores_ = manifest.get("evaluation", {}).get("cross_validated", {})
    tagger.training_ = manifest.get("training", {})
    tagger.manifest_ = manifest
    return tagger


def _params_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(manifest.get("params", {}))
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    return params
