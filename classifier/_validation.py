"""Input checks shared by the estimators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .exceptions import NotFittedError


def check_documents(
    raw_documents: Iterable[str] | Any, *, name: str = "raw_documents"
) -> list[str]:
    """A list of documents from an iterable of str; a bare string is an error.

    A bare ``str`` is iterable character by character, which would silently tag each letter as a
    document; scikit-learn rejects it for the same reason.
    """
    if isinstance(raw_documents, str | bytes):
        raise TypeError(
            f"{name} must be an iterable of str documents, got a single "
            f"{type(raw_documents).__name__}; wrap it in a list, or use tag(text) for one document"
        )
    if not isinstance(raw_documents, Iterable):
        raise TypeError(
            f"{name} must be an iterable of str documents, got {type(raw_documents).__name__}"
        )
    docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
    if not set(map(type, docs)) <= {str}:  # a C-speed scan; find the culprit only on failure
        for i, doc in enumerate(docs):
            if not isinstance(doc, str):
                raise TypeError(f"{name}[{i}] is {type(doc).__name__}, expected str")
    return docs


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet; call fit(...) first"
            " or load a trained model"
        )
