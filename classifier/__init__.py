"""classifier: tag news articles by technology sector and type of international cooperation.

Examples
--------
>>> from classifier import ArticleTagger
>>> tagger = ArticleTagger.load()
>>> result = tagger.tag("Seoul and Tokyo agreed to coordinate semiconductor supply chains.")
>>> sorted(result.labels)
['cooperation', 'sector']
"""

from ._version import __version__
from .corpus import Corpus, read_corpus
from .evaluation import evaluate, evaluate_countries
from .exceptions import (
    InputFormatError,
    ModelFormatError,
    ModelVersionError,
    NotFittedError,
    SchemaError,
    UnsafeModelError,
)
from .features import TfidfVectorizer
from .model import ArticleTagger
from .persistence import load_model, read_manifest, save_model
from .result import TagResult
from .taxonomy import Facet, Taxonomy, default_taxonomy, load_taxonomy

__all__ = [
    "ArticleTagger",
    "Corpus",
    "Facet",
    "InputFormatError",
    "ModelFormatError",
    "ModelVersionError",
    "NotFittedError",
    "SchemaError",
    "TagResult",
    "Taxonomy",
    "TfidfVectorizer",
    "UnsafeModelError",
    "__version__",
    "default_taxonomy",
    "evaluate",
    "evaluate_countries",
    "load_model",
    "load_taxonomy",
    "read_corpus",
    "read_manifest",
    "save_model",
]
