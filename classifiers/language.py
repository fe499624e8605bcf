"""Language detection tuned for short German and English headlines.

A statistical identifier alone guesses wildly on a six-word title full of brand
names ("TikTok Shop Update: Creator Rewards"), so function words decide first:
they are frequent, short and distinctive. Three steps, cheapest first:

1. the script: Cyrillic, Greek, Arabic, Hebrew, Japanese, Korean or Chinese text
   is named by its letters;
2. function words: German against English as before, and eight more European
   languages of nearby markets when their own function words clearly lead;
3. otherwise German or English, the languages of our sources, by a character
   trigram model counted from the packaged training examples (written in both
   languages for this project) on first use.

Why not a general identifier (py3langid): its model holds about 70 MB in memory
and takes half a second to load in every `monitor run`, for the few items whose
feed does not declare its language and whose words do not decide it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

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
# Words frequent in one language and rare as words of German or English (or of each other).
_OTHERS = {
    "fr": "le les une est sont pour dans sur avec pas qui ce cette ces aux au et mais par sa ses "
          "leur leurs nous vous ils elles été être avoir fait",
    "es": "el los las del pero más sus estos también fue han hay cuando sin según muy ya",
    "it": "lo gli della delle dei degli per sono che è nel nella alla più anche questo questa suo sua "
          "loro stato essere ha hanno",
    "nl": "het een van niet zijn voor met op aan ook dat deze wordt worden werd naar bij hun wij "
          "jullie maar nog geen meer heeft hebben",
    "pt": "os uma não com mais mas foi são está pelo pela seus suas também ao aos nos nas isso dos "
          "num numa essa esse até já",
    "pl": "jest nie się że jak ale czy już oraz przez dla są był była może będzie który która które "
          "tego jego przed przy także został została",
    "sv": "och att är inte av till ett jag från också ska finns",
    "da": "og er ikke af til jeg fra også skal findes",
}
# Every function word with the languages it counts for, so that one pass over an item's
# words counts all languages at once.
def _languages_of_words() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for lang, words in (("de", _GERMAN), ("en", _ENGLISH), *((k, v.split()) for k, v in _OTHERS.items())):
        for word in words:
            found[word] = (*found.get(word, ()), lang)
    return found


_LANGUAGES_OF = _languages_of_words()
_GERMAN_LETTERS = re.compile(r"[äöüß]")
_CLEAR_LEAD = 2
_OTHER_MIN = 3
# Unicode letter-name prefixes of scripts that name their language well enough.
_SCRIPTS = (("CYRILLIC", "ru"), ("GREEK", "el"), ("ARABIC", "ar"), ("HEBREW", "he"), ("HANGUL", "ko"),
            ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CJK", "zh"))
_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f]")   # not Latin letters or punctuation
_UKRAINIAN = re.compile(r"[іїєґ]")
DATA_DIR = Path(__file__).parent / "data"


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`: "de", "en", or another code when clearly so.

    Empty or letterless text is reported as "en", the safer default for our tagger
    whose features do not depend much on the language.
    """
    lowered = (text or "").lower()
    words = _WORD.findall(lowered)
    if not words:
        return "en"
    if not lowered.isascii() and _NON_LATIN.search(lowered):
        script = _script_language(words)
        if script:
            return script
    counts = Counter(lang for word in words for lang in _LANGUAGES_OF.get(word, ()))
    german, english = counts.pop("de", 0), counts.pop("en", 0)
    if _GERMAN_LETTERS.search(lowered):
        german += 1
    other = _other_language(counts, max(german, english))
    if other:
        return other
    lead = german - english
    if abs(lead) >= _CLEAR_LEAD:
        return "de" if lead > 0 else "en"
    return _de_or_en(lowered)


def _script_language(words: list[str]) -> str | None:
    """The language of a non-Latin script that most of the letters are written in."""
    letters = "".join(words)
    counts = Counter(_script_of(ch) for ch in _NON_LATIN.findall(letters))
    if not counts:
        return None
    lang, n = counts.most_common(1)[0]
    if lang is None or n * 2 < len(letters):
        return None
    if lang == "ru" and _UKRAINIAN.search(letters):
        return "uk"
    if lang == "zh" and (counts.get("ja") or 0) > 0:
        return "ja"        # Japanese mixes kana into kanji; Chinese has none
    return lang


@lru_cache(maxsize=4096)
def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((lang for prefix, lang in _SCRIPTS if name.startswith(prefix)), None)


def _other_language(counts: Counter, german_or_english: int) -> str | None:
    """A language of `_OTHERS` whose function words clearly outnumber the German and English ones."""
    if not counts:
        return None
    (lang, n), *rest = counts.most_common(2)
    runner_up = max(german_or_english, rest[0][1] if rest else 0)
    return lang if n >= _OTHER_MIN and n >= runner_up + _CLEAR_LEAD else None


def _de_or_en(lowered: str) -> str:
    """German or English by character trigrams, for text whose words do not decide."""
    model = _trigram_model()
    grams = _trigrams(lowered)
    scores = {lang: sum(table.get(g, floor) * n for g, n in grams.items())
              for lang, (table, floor) in model.items()}
    return max(sorted(scores), key=scores.__getitem__)


@lru_cache(maxsize=1)
def _trigram_model() -> dict[str, tuple[dict[str, float], float]]:
    """Log-probabilities of character trigrams per language (add-one smoothing), from the
    packaged training examples: train_de.jsonl is German, train_en.jsonl English."""
    counts: dict[str, Counter[str]] = {"de": Counter(), "en": Counter()}
    for lang, counter in counts.items():
        with open(DATA_DIR / f"train_{lang}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    example = json.loads(line)
                    counter.update(_trigrams(f"{example.get('title', '')} {example.get('summary', '')}".lower()))
    vocabulary = len(set(counts["de"]) | set(counts["en"])) + 1
    model = {}
    for lang, counter in counts.items():
        total = sum(counter.values()) + vocabulary
        model[lang] = ({g: math.log((n + 1) / total) for g, n in counter.items()}, math.log(1 / total))
    return model


def _trigrams(lowered: str) -> Counter:
    """Trigrams of each word padded with spaces, so beginnings and endings count."""
    grams: Counter = Counter()
    for word in _WORD.findall(lowered):
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams
