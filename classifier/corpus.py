"""Reading labelled corpora: JSON Lines of ``{"id", "text", <facet>: [labels], ...}``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputFormatError

__all__ = ["Corpus", "read_corpus"]

_NOT_FACETS = frozenset({"id", "text"})


@dataclass
class Corpus:
    """Labelled articles: parallel lists of ids and texts, and per facet the label lists."""

    ids: list = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[list[str]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def facets(self) -> tuple[str, ...]:
        return tuple(self.labels)


def read_corpus(
    paths: str | Path | Iterable[str | Path],
    *,
    facets: Sequence[str] | None = None,
    text_field: str = "text",
    id_field: str = "id",
) -> Corpus:
    """Read one or more labelled JSONL files into a :class:`Corpus`.

    Parameters
    ----------
    paths : path or iterable of paths
    facets : sequence of str, optional
        The label fields to read. By default every field whose value is a list.
        A record without a facet's field has no label in that facet.
    text_field, id_field : str
        Names of the text and id fields.

    Raises
    ------
    InputFormatError
        Naming the file and line of a malformed record.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = p.write_text('{"id": "a", "text": "Grain exports", "topics": ["grain"]}\\n')
    >>> read_corpus(p).labels
    {'topics': [['grain']]}
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    corpus = Corpus()
    rows: list[dict] = []
    for path in paths:
        path = Path(path)
        try:
            handle = path.open(encoding="utf-8-sig")
        except OSError as exc:
            raise InputFormatError(f"{path}: cannot read the corpus ({exc.strerror})") from exc
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    raise InputFormatError(f"{where}: malformed JSON ({exc})") from None
                if not isinstance(obj, dict):
                    raise InputFormatError(f"{where}: expected a JSON object")
                text = obj.get(text_field)
                if not isinstance(text, str) or not text.strip():
                    raise InputFormatError(
                        f"{where}: field {text_field!r} must be a non-empty string; "
                        "name the text field with --text-field"
                    )
                rows.append(obj)
                corpus.ids.append(obj.get(id_field, where))
                corpus.texts.append(text)
                obj["__where__"] = where
    if facets is None:
        seen: dict[str, None] = {}
        for obj in rows:
            for key, value in obj.items():
                if key not in _NOT_FACETS and key != text_field and isinstance(value, list):
                    seen.setdefault(key)
        facets = list(seen)
    for facet in facets:
        column = []
        for obj in rows:
            value = obj.get(facet, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputFormatError(
                    f"{obj['__where__']}: field {facet!r} must be a list of label strings"
                )
            column.append(value)
        corpus.labels[facet] = column
    return corpus
