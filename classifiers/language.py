"""Language detection tuned for short German and English headlines.

A statistical identifier alone guesses wildly on a six-word title full of brand
names ("TikTok Shop Update: Creator Rewards"), so function words decide first:
they are frequent, short and distinctive. The identifier (py3langid) handles the
rest: it may name any language when the text is long enough for it to be sure,
otherwise it only chooses between German and English, the languages of our sources.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+")
_GERMAN = frozenset(
    "der die das den dem des und ist sind nicht mit für auf ein eine einen einem einer "
    "jetzt wird werden wurde sich bei von zu zum zur im auch neue neuen neues mehr über "
    "nach wie was wer noch nur oder aber dass können kann soll sollen muss müssen gibt "
    "ihre ihr sie wir ich du euch unsere deine so aus vom am bis gegen ohne uns".split()
)
_ENGLISH = frozenset(
    "the and is are not with for on of to a an its it this that now will was were be "
    "been has have new more about after how what who only or but can should must from "
    "your you we our their they at by into than out up why when which".split()
)
FUNCTION_WORDS = _GERMAN | _ENGLISH
_GERMAN_LETTERS = re.compile(r"[äöüß]")
_CLEAR_LEAD = 2
_CONFIDENT = 0.95
_LONG_ENOUGH = 60


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`: "de", "en", or another code when clearly so.

    Empty or letterless text is reported as "en", the safer default for our tagger
    whose features do not depend much on the language.
    """
    words = _WORD.findall((text or "").lower())
    if not words:
        return "en"
    lead = _function_word_lead(words, text)
    if abs(lead) >= _CLEAR_LEAD:
        return "de" if lead > 0 else "en"
    if len(text) >= _LONG_ENOUGH:
        lang, confidence = _open_identifier().classify(text)
        if confidence >= _CONFIDENT:
            return lang
    return _de_en_identifier().classify(text)[0]


def _function_word_lead(words: list[str], text: str) -> int:
    """German evidence minus English evidence; umlauts and ß count for German."""
    german = sum(word in _GERMAN for word in words)
    english = sum(word in _ENGLISH for word in words)
    if _GERMAN_LETTERS.search(text.lower()):
        german += 1
    return german - english


@lru_cache(maxsize=1)
def _open_identifier():
    """All languages py3langid knows; loaded on first use (about half a second), not
    at import."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _de_en_identifier():
    """German or English only, for text too short to identify among all languages.
    A shallow copy: `set_languages` replaces the copy's arrays, the shared model
    stays as it is, and it is read from disk only once."""
    identifier = copy.copy(_open_identifier())
    identifier.set_languages(["de", "en"])
    return identifier
