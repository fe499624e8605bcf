"""Lagebild's tagger: which items report a feature rollout, a legal change or a
change to ranking and reach, plus the platform dictionary and language detection.

Names are imported on first use, so `import classifiers` stays cheap for code that
needs only `find_platforms` or `detect_language` (scikit-learn loads only when the
tagger is used).
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "TAGS": "tagger",
    "Tagger": "tagger",
    "Prediction": "tagger",
    "Example": "examples",
    "load_examples": "examples",
    "default_training_files": "examples",
    "default_dev_files": "examples",
    "train_tagger": "training",
    "Settings": "training",
    "evaluate": "evaluation",
    "evaluate_breakdown": "evaluation",
    "EvalReport": "evaluation",
    "cv_report": "evaluation",
    "ModelFileError": "storage",
    "find_platforms": "platforms",
    "detect_language": "language",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'classifiers' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
