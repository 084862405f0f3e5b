"""Build steps that pyproject.toml cannot declare: the optional C extensions and the default model.

The extensions are optional: where no C compiler is available the install still succeeds and the
vectorizer and the countries extraction run in pure Python (same results, slower);
`classifier.features.native_available()` and `classifier.geo.native_available()` tell which one
is in use.
"""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DEFAULT_MODEL = ROOT / "models" / "default.tagger"


class BuildWithDefaultModel(build_py):
    """Install models/default.tagger inside the package, where ArticleTagger.load() finds it."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "classifier" / "_models"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(DEFAULT_MODEL, target / DEFAULT_MODEL.name)


setup(
    ext_modules=[
        Extension(
            "classifier._fastcount",
            sources=["classifier/_fastcount.c"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
        Extension(
            "classifier._geoscan",
            sources=["classifier/_geoscan.c"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
    ],
    cmdclass={"build_py": BuildWithDefaultModel},
)
