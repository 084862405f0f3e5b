"""Label schemas: facets, their labels and one-line definitions.

A schema is a small versioned data file (TOML or JSON, read with the standard library). The
default schema ships with the package; a user trains on their own schema, or on the labels found
in their data.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .exceptions import SchemaError

__all__ = ["Facet", "Taxonomy", "default_taxonomy", "load_taxonomy"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
# Facet names become JSON keys next to these, so they must not collide with them.
_RESERVED_FACET_NAMES = frozenset({"id", "text", "scores", "error", "coverage", "warnings"})


@dataclass(frozen=True)
class Facet:
    """One multi-label dimension of a schema, such as ``sector``.

    Parameters
    ----------
    name : str
        Identifier of the facet, used as a key in results and in corpus records.
    labels : tuple of str
        The labels, in schema order.
    definitions : dict of str to str
        One-line definition per label (may be empty for labels inferred from data).
    description : str
        What the facet describes.
    """

    name: str
    labels: tuple[str, ...]
    definitions: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """A versioned label schema made of one or more facets.

    Examples
    --------
    >>> from classifier import Taxonomy
    >>> t = Taxonomy.from_labels({"topics": ["grain", "oil"]})
    >>> t.facet_names
    ('topics',)
    >>> t["topics"].labels
    ('grain', 'oil')
    """

    name: str
    version: str
    facets: tuple[Facet, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.facets:
            raise SchemaError(f"schema {self.name!r} has no facets; define at least one facet")
        seen: set[str] = set()
        for facet in self.facets:
            if not _NAME.match(facet.name) or facet.name in _RESERVED_FACET_NAMES:
                raise SchemaError(
                    f"facet name {facet.name!r} is not allowed: use letters, digits, '_' or '-', "
                    f"and none of {sorted(_RESERVED_FACET_NAMES)}"
                )
            if facet.name in seen:
                raise SchemaError(f"facet {facet.name!r} is defined twice")
            seen.add(facet.name)
            if not facet.labels:
                raise SchemaError(f"facet {facet.name!r} has no labels")
            if len(set(facet.labels)) != len(facet.labels):
                raise SchemaError(f"facet {facet.name!r} lists a label twice")
            for label in facet.labels:
                if not isinstance(label, str) or not label.strip():
                    raise SchemaError(f"facet {facet.name!r} has an empty or non-string label")

    @property
    def facet_names(self) -> tuple[str, ...]:
        """Names of the facets, in schema order."""
        return tuple(f.name for f in self.facets)

    def __getitem__(self, name: str) -> Facet:
        for facet in self.facets:
            if facet.name == name:
                return facet
        raise KeyError(f"schema {self.name!r} has no facet {name!r}; facets: {self.facet_names}")

    def __contains__(self, name: object) -> bool:
        return name in self.facet_names

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, stored in model manifests and readable by :meth:`from_dict`."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "facets": {
                f.name: {
                    "description": f.description,
                    "labels": {label: f.definitions.get(label, "") for label in f.labels},
                }
                for f in self.facets
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "schema") -> Taxonomy:
        """Build a schema from its plain-data form (the layout of the TOML/JSON files)."""
        if not isinstance(data, Mapping):
            raise SchemaError(f"{source}: expected a table/object at the top level")
        facets_data = data.get("facets")
        if not isinstance(facets_data, Mapping) or not facets_data:
            raise SchemaError(f"{source}: needs a non-empty 'facets' table")
        facets = []
        for facet_name, spec in facets_data.items():
            if not isinstance(spec, Mapping) or not isinstance(spec.get("labels"), Mapping):
                raise SchemaError(
                    f"{source}: facet {facet_name!r} needs a 'labels' table of label = definition"
                )
            labels = spec["labels"]
            facets.append(
                Facet(
                    name=str(facet_name),
                    labels=tuple(str(label) for label in labels),
                    definitions={str(k): str(v) for k, v in labels.items()},
                    description=str(spec.get("description", "")),
                )
            )
        return cls(
            name=str(data.get("name", "custom")),
            version=str(data.get("version", "0")),
            facets=tuple(facets),
            description=str(data.get("description", "")),
        )

    @classmethod
    def from_labels(
        cls,
        labels: Mapping[str, Iterable[str]],
        *,
        name: str = "custom",
        version: str = "0",
    ) -> Taxonomy:
        """Build a schema from label names alone, e.g. the labels seen in training data.

        Labels are sorted so that the same data always gives the same schema.
        """
        facets = []
        for facet, values in labels.items():
            names = tuple(sorted(set(values)))
            facets.append(Facet(name=facet, labels=names, definitions=dict.fromkeys(names, "")))
        facets = tuple(facets)
        return cls(name=name, version=version, facets=facets)

    def validate_labels(self, facet: str, labels: Iterable[str], *, where: str = "") -> None:
        """Raise :class:`SchemaError` if ``labels`` has a label the facet does not define."""
        known = set(self[facet].labels)
        unknown = [label for label in labels if label not in known]
        if unknown:
            prefix = f"{where}: " if where else ""
            raise SchemaError(
                f"{prefix}unknown {facet} label(s) {unknown}; the schema {self.name!r} "
                f"allows {sorted(known)}"
            )


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a schema from a ``.toml`` or ``.json`` file.

    Parameters
    ----------
    path : str or Path
        The schema file. Layout: ``name``, ``version``, and ``[facets.NAME.labels]`` tables
        mapping each label to its one-line definition.

    Returns
    -------
    Taxonomy
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the schema file ({exc.strerror})") from exc
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: not a valid schema file: {exc}") from exc
    return Taxonomy.from_dict(data, source=str(path))


def default_taxonomy() -> Taxonomy:
    """The schema of the shipped default model: facets ``sector`` and ``cooperation``.

    Examples
    --------
    >>> from classifier import default_taxonomy
    >>> default_taxonomy().facet_names
    ('sector', 'cooperation')
    """
    text = resources.files("classifier").joinpath("data/taxonomy.toml").read_text("utf-8")
    return Taxonomy.from_dict(tomllib.loads(text), source="default taxonomy")
