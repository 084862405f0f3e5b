"""Tagging on a Dask cluster (``pip install 'classifier[dask]'``).

A thin shell over the same library calls as local tagging: partitions are tagged by
:func:`classifier.batch.tag_records` (files) or :meth:`ArticleTagger.tag_many` (collections), with
a tagger that every worker process loads once, through the verified loader
(:func:`classifier.persistence.loads_model`), from model bytes sent to it once.

- :func:`tag_bag` and :func:`tag_dataframe` tag a ``dask.bag`` of texts or a ``dask.dataframe``
  text column and return the same collection type with the tags, for users' own pipelines.
- :func:`tag_files` tags many files, one task per file, each writing its own part file (written
  under a temporary name and renamed, so a task retried after a lost worker rewrites it whole),
  and returns a manifest in input order; ``classifier tag --scheduler`` uses it.

The core of the package never imports this module.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import ArticleTagger

__all__ = ["connect", "tag_bag", "tag_dataframe", "tag_files"]

# Per worker process: model digest -> loaded tagger, so a model is loaded once per process.
_LOADED: dict[str, Any] = {}


def _tagger_from_bytes(model: bytes) -> ArticleTagger:
    digest = hashlib.sha256(model).hexdigest()
    tagger = _LOADED.get(digest)
    if tagger is None:
        from .persistence import loads_model

        tagger = _LOADED[digest] = loads_model(model, source="<model sent to Dask worker>")
    return tagger


def _model_bytes(tagger: ArticleTagger) -> bytes:
    from .persistence import dumps_model

    return dumps_model(tagger)


def connect(scheduler: str) -> tuple[Any, Any]:
    """A ``distributed.Client`` for ``tcp://HOST:PORT``, or for a new local cluster with
    ``local`` (one worker process per core) or ``local:N`` (N worker processes). Returns
    ``(client, cluster)``; ``cluster`` is None for an existing scheduler."""
    from distributed import Client, LocalCluster

    if scheduler == "local" or scheduler.startswith("local:"):
        _, _, count = scheduler.partition(":")
        try:
            n_workers = int(count) if count else os.cpu_count() or 1
        except ValueError:
            raise ValueError(f"--scheduler {scheduler!r}: expected local or local:N") from None
        if n_workers < 1:
            raise ValueError(f"--scheduler {scheduler!r}: N must be at least 1")
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(cluster), cluster
    return Client(scheduler), None


def _scatter_model(client: Any, tagger: ArticleTagger) -> Any:
    # broadcast: every worker receives the bytes once, before any task needs them.
    return client.scatter(_model_bytes(tagger), broadcast=True, hash=True)


def _tag_texts(
    texts: list[str], model: bytes, threshold: Any, top_k: int | None, countries: bool
) -> list[dict]:
    tagger = _tagger_from_bytes(model)
    results = tagger.tag_many(texts, threshold=threshold, top_k=top_k, countries=countries)
    return [r.to_dict() for r in results]


def tag_bag(
    bag: Any,
    tagger: ArticleTagger,
    *,
    threshold: Any = None,
    top_k: int | None = None,
    countries: bool = False,
) -> Any:
    """Tag a ``dask.bag.Bag`` of texts; returns a bag of result records (dicts) in the same
    order and partitioning (ids are positions within each partition); with ``countries``, the
    records carry countries, blocs and scope.

    Examples
    --------
    >>> import dask.bag as db                                  # doctest: +SKIP
    >>> bag = db.from_sequence(texts, npartitions=8)           # doctest: +SKIP
    >>> tagged = tag_bag(bag, ArticleTagger.load())            # doctest: +SKIP
    """
    import dask

    model = dask.delayed(_model_bytes(tagger), pure=True)
    return bag.map_partitions(
        lambda part, m: _tag_texts(list(part), m, threshold, top_k, countries), model
    )


def tag_dataframe(
    frame: Any,
    tagger: ArticleTagger,
    text_column: str = "text",
    *,
    threshold: Any = None,
    top_k: int | None = None,
    scores: bool = True,
    countries: bool = False,
) -> Any:
    """Tag the ``text_column`` of a ``dask.dataframe.DataFrame``; returns the frame with one
    column per facet (lists of labels), with ``scores`` one float column ``facet.label`` per
    label, and with ``countries`` the columns ``countries`` and ``blocs`` (lists of codes) and
    ``scope``.

    Examples
    --------
    >>> import dask.dataframe as dd                            # doctest: +SKIP
    >>> frame = dd.read_parquet("news/")                       # doctest: +SKIP
    >>> tagged = tag_dataframe(frame, ArticleTagger.load(), "body")  # doctest: +SKIP
    """
    import dask
    import pandas as pd

    columns = [(f.name, f.labels) for f in tagger.taxonomy_.facets]
    meta = frame._meta.copy()
    for facet, labels in columns:
        meta[facet] = pd.Series(dtype=object)
        if scores:
            for label in labels:
                meta[f"{facet}.{label}"] = pd.Series(dtype="float64")
    geo_columns = ("countries", "blocs", "scope") if countries else ()
    for column in geo_columns:
        meta[column] = pd.Series(dtype=object)

    def tag_partition(part: pd.DataFrame, model: bytes) -> pd.DataFrame:
        tagger_here = _tagger_from_bytes(model)
        texts = part[text_column].fillna("").astype(str).tolist()
        results = list(
            tagger_here.tag_many(texts, threshold=threshold, top_k=top_k, countries=countries)
        )
        out = part.copy()
        for facet, labels in columns:
            out[facet] = [list(r.labels[facet]) for r in results]
            if scores:
                for label in labels:
                    out[f"{facet}.{label}"] = [r.scores[facet][label] for r in results]
        for column in geo_columns:
            values = [r.extra[column] for r in results]
            out[column] = values if column == "scope" else [list(v) for v in values]
        return out

    model = dask.delayed(_model_bytes(tagger), pure=True)
    return frame.map_partitions(tag_partition, model, meta=meta)


def _tag_file(source: str, target: str, model: bytes, options: dict[str, Any]) -> dict[str, Any]:
    """One task: tag one input file into one part file (JSON Lines), atomically."""
    from .batch import tag_records
    from .io import JsonlWriter, read_records

    tagger = _tagger_from_bytes(model)
    records = read_records(
        [source],
        format=options["format"],
        text_fields=options["text_fields"],
        id_field=options["id_field"],
        max_record_bytes=options["max_record_bytes"],
    )
    tmp = Path(target).with_name(f".{Path(target).name}.{os.getpid()}.tmp")
    n_records = n_errors = 0
    first_error = None
    with tmp.open("w", encoding="utf-8") as stream:
        writer = JsonlWriter(stream)
        for record, output in tag_records(
            tagger,
            records,
            threshold=options["threshold"],
            top_k=options["top_k"],
            batch_size=options["batch_size"],
            countries=options["countries"],
        ):
            n_records += 1
            if record.error is not None:
                n_errors += 1
                first_error = first_error or output["error"]["message"]
                if options["on_error"] == "skip":
                    continue
            writer.write(output)
    os.replace(tmp, target)
    return {
        "input": source,
        "part": target,
        "records": n_records,
        "errors": n_errors,
        "first_error": first_error,
    }


def tag_files(
    client: Any,
    tagger: ArticleTagger,
    sources: Sequence[str],
    parts_dir: str | Path,
    *,
    format: str = "auto",
    text_fields: Sequence[str] = ("text",),
    id_field: str = "id",
    threshold: Any = None,
    top_k: int | None = None,
    batch_size: int = 512,
    max_record_bytes: int = 10_000_000,
    on_error: str = "record",
    countries: bool = False,
) -> dict[str, Any]:
    """Tag ``sources`` on the cluster of ``client``, one task per file, into
    ``parts_dir/part-00000.jsonl`` ... in input order; writes and returns the manifest
    (``parts_dir/manifest.json``). ``parts_dir`` must be reachable by every worker (a shared
    file system on a real cluster)."""
    parts_dir = Path(parts_dir)
    parts_dir.mkdir(parents=True, exist_ok=True)
    model = _scatter_model(client, tagger)
    options = {
        "format": format,
        "text_fields": list(text_fields),
        "id_field": id_field,
        "threshold": threshold,
        "top_k": top_k,
        "batch_size": batch_size,
        "max_record_bytes": max_record_bytes,
        "on_error": on_error,
        "countries": countries,
    }
    futures = [
        client.submit(
            _tag_file,
            str(source),
            str(parts_dir / f"part-{i:05d}.jsonl"),
            model,
            options,
            key=f"classifier-tag-{i:05d}-{hashlib.sha1(str(source).encode()).hexdigest()[:12]}",
            retries=3,
        )
        for i, source in enumerate(sources)
    ]
    parts = client.gather(futures)
    manifest = {
        "parts": parts,
        "records": sum(p["records"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
    }
    (parts_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
