"""Lagebild's tagger: which items report a feature rollout, a legal change or a
change to ranking and reach, plus the platform dictionary and language detection.

Names are imported on first use, so `import classifiers` stays cheap for code that
needs only `find_platforms` or `detect_language` (scikit-learn loads only when the
tagger is used).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # the exports' types for the checker (F401: they are re-exported by __getattr__)
    from classifiers.evaluation import EvalReport, cv_report, evaluate  # noqa: F401
    from classifiers.examples import (  # noqa: F401
        Example,
        default_dev_files,
        default_offtopic_files,
        default_training_files,
        load_examples,
    )
    from classifiers.language import detect_language  # noqa: F401
    from classifiers.platforms import find_platforms  # noqa: F401
    from classifiers.storage import ModelFileError  # noqa: F401
    from classifiers.tagger import TAGS, Prediction, Tagger  # noqa: F401
    from classifiers.training import Settings, train_tagger  # noqa: F401

_EXPORTS = {
    "TAGS": "tagger",
    "Tagger": "tagger",
    "Prediction": "tagger",
    "Example": "examples",
    "load_examples": "examples",
    "default_training_files": "examples",
    "default_dev_files": "examples",
    "default_offtopic_files": "examples",
    "train_tagger": "training",
    "Settings": "training",
    "evaluate": "evaluation",
    "evaluate_breakdown": "evaluation",
    "compare_models": "evaluation",
    "EvalReport": "evaluation",
    "cv_report": "evaluation",
    "ModelFileError": "storage",
    "find_platforms": "platforms",
    "detect_language": "language",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'classifiers' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
