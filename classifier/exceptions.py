"""Exceptions raised by classifier.

Each subclasses the built-in exception a caller would naturally catch, so
``except ValueError`` keeps working for code that does not know this library.
"""

from __future__ import annotations

__all__ = [
    "InputFormatError",
    "ModelFormatError",
    "ModelVersionError",
    "NotFittedError",
    "SchemaError",
    "UnsafeModelError",
]


class SchemaError(ValueError):
    """A label schema, or labels checked against it, is invalid."""


class InputFormatError(ValueError):
    """An input file or record cannot be read; the message names the file and line."""


class ModelFormatError(ValueError):
    """A model file is not a classifier model, is truncated, or fails its integrity check."""


class ModelVersionError(ModelFormatError):
    """A model file was written by an incompatible format or library version."""


class UnsafeModelError(ModelFormatError):
    """A model file would run code or build objects a model never holds; it is not loaded."""


class NotFittedError(ValueError, AttributeError):
    """The tagger is used before ``fit`` (mirrors scikit-learn's exception of that name)."""
