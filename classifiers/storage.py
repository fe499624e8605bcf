"""Saving and loading models without trusting the file.

A pickled model runs code on load, so a model file from elsewhere would be a way in.
The model holds nothing but a dict of numpy arrays and plain values, so it is written
as a NumPy `.npz` archive and read with `allow_pickle=False`: numbers and strings
only, no object can be built from it. On load:

1. the JSON sidecar names the model file and its SHA-256; a file that changed
   since it was saved (tampered, truncated, swapped) is refused;
2. an array that would need unpickling (object dtype) is refused.

Why not skops, which earlier models were written with (those still load: the
sidecar names the file, and skops checks every type against `TRUSTED_TYPES`):
importing skops pulls in all of scikit-learn, about 100 MB and a second on every
`monitor run`, for a file that is only arrays.

The sidecar also carries the thresholds and the meta data (when and on what the
model was trained, its cross-validated figures), readable without loading the model.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.labels import TAGS

FORMAT = 1
MODEL_FILE = "tagger.npz"
LEGACY_SUFFIX = ".skops"
SIDECAR_FILE = "tagger.json"

# The state is a dict of numpy arrays, strings and numbers, nothing else. skops trusts
# these by default (so get_untrusted_types normally reports none); whatever it does
# report must be on this list, which holds nothing that could run code.
TRUSTED_TYPES: tuple[str, ...] = ("builtins.dict", "builtins.list", "builtins.tuple", "builtins.str",
                                  "builtins.int", "builtins.float", "numpy.ndarray", "numpy.dtype")


class ModelFileError(RuntimeError):
    """A model directory that is missing, damaged, tampered with or not ours."""


def save(directory: Path, state: dict, sidecar: dict) -> None:
    """Write `state` as arrays and the sidecar with the model file's checksum."""
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    # Typed Any: to numpy's stubs any key of **arrays could be its allow_pickle flag.
    arrays: dict[str, Any] = {key: np.asarray(value) for key, value in state.items()}
    if any(a.dtype == object for a in arrays.values()):
        raise ValueError("a model state holds numbers and strings only")
    tmp_model = directory / (MODEL_FILE + ".tmp")
    with open(tmp_model, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    tmp_model.replace(model_path)
    for old in directory.glob("*" + LEGACY_SUFFIX):   # superseded by the file just written
        old.unlink()
    payload = {"format": FORMAT, "model_file": MODEL_FILE, "model_sha256": sha256_file(model_path), **sidecar}
    tmp = directory / (SIDECAR_FILE + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(directory / SIDECAR_FILE)


def load(directory: Path) -> tuple[dict, dict]:
    """The verified state dict and the sidecar, or `ModelFileError` saying why not."""
    sidecar = _read_sidecar(directory)
    name = str(sidecar.get("model_file", MODEL_FILE))
    if Path(name).name != name:
        raise ModelFileError(f"{directory / SIDECAR_FILE}: model_file must be a plain file name, not {name!r}")
    model_path = directory / name
    if not model_path.is_file():
        raise ModelFileError(f"model file {model_path} is missing; retrain with `monitor train`")
    actual = sha256_file(model_path)
    if actual != sidecar.get("model_sha256"):
        raise ModelFileError(
            f"model file {model_path} does not match the checksum in {directory / SIDECAR_FILE} "
            f"(sha256 {actual}, expected {sidecar.get('model_sha256')}): it was changed after it was "
            "saved. Refusing to load it; retrain with `monitor train` or restore the original files."
        )
    state = _load_legacy(model_path) if model_path.suffix == LEGACY_SUFFIX else _load_arrays(model_path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ModelFileError(f"{model_path} is not a tagger model of format {FORMAT}")
    return state, sidecar


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_sidecar(directory: Path) -> dict:
    path = directory / SIDECAR_FILE
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"no model in {directory}: {SIDECAR_FILE} is missing") from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path} is unreadable: {exc}") from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a tagger sidecar of format {FORMAT}")
    problem = _sidecar_problem(sidecar)
    if problem:     # the checksum covers the arrays, not this file: its values are checked here
        raise ModelFileError(f"{path}: {problem}")
    return sidecar


def _sidecar_problem(sidecar: dict) -> str | None:
    """What is wrong with the sidecar's thresholds and meta (a hand edit, a half-written copy), or None.
    A threshold above 1 would silently take every tag away; a missing one failed as a KeyError."""
    def thresholds(value: object, where: str, every: bool = True) -> str | None:
        if not isinstance(value, dict):
            return f"{where} must map each tag to a threshold"
        for tag in TAGS if every else [t for t in TAGS if t in value]:
            number = value.get(tag)
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number < 1:
                return f"{where}.{tag} must be a number between 0 and 1, not {number!r}"
        return None

    if not isinstance(sidecar.get("meta"), dict):
        return "meta is missing or not an object"
    found = thresholds(sidecar.get("thresholds"), "thresholds")
    own = sidecar.get("language_thresholds") or {}
    if not found and not isinstance(own, dict):
        found = "language_thresholds must map languages to thresholds"
    for lang, values in own.items() if isinstance(own, dict) else ():
        found = found or thresholds(values, f"language_thresholds.{lang}", every=False)
    return found


def _load_arrays(model_path: Path) -> dict:
    """The arrays of an `.npz` model; 0-d arrays come back as plain numbers."""
    try:
        with np.load(model_path, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ModelFileError(f"{model_path} contains objects that would have to be unpickled (code could "
                                 "run). Refusing to load it; only models written by this tagger are accepted."
                                 ) from None
        raise ModelFileError(f"{model_path} could not be read as a model: {exc}") from exc
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{model_path} could not be read as a model: {exc}") from exc
    return {key: (value.item() if value.ndim == 0 else value) for key, value in state.items()}


def _load_legacy(model_path: Path) -> Any:
    """A model written by an earlier version with skops: every type the file would
    instantiate is checked before loading."""
    import skops.io as sio
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
        refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if refused:
            raise ModelFileError(
                f"{model_path} contains types that are not trusted: {', '.join(refused)}. "
                "Refusing to load it; only models written by this tagger are accepted."
            )
        return sio.load(model_path, trusted=list(untrusted))
    except ModelFileError:
        raise
    except Exception as exc:  # skops raises many kinds for a damaged zip or schema
        raise ModelFileError(f"{model_path} could not be read as a model: {exc}") from exc
