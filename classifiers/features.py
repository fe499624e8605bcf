"""Turning items into one sparse feature matrix, fast.

Three blocks:

* word 1-2 grams (TF-IDF, sublinear tf, L2-normalised): the readable evidence; in
  German items a compound also counts as its parts when both are words the model knows
  ("Reichweitenverlust" -> "reichweite", "verlust"; see `split_compound`);
* character 2-5 grams inside words, like scikit-learn's ``char_wb`` (TF-IDF,
  sublinear tf, L2-normalised): they carry German compounds ("Reichweitenverlust"
  shares "reichw", "verlust" with other words) and inflections the word block misses;
* cue groups found (1/0) and the language as one-hot (see `cues`): priors that hold
  across styles; the tagger feeds them to its second stage, not to the text model.

Character grams are a function of a word alone, so they are computed once per
distinct word and cached; a batch's gram counts are then one sparse product
(documents x words) @ (words x grams). That keeps prediction at tens of thousands
of items per second on one core, where a plain ``TfidfVectorizer(analyzer=
"char_wb")`` manages about a thousand.

Title words count twice: a headline states what an item reports, a summary often
adds background.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, cast

import numpy as np

from .cues import CUE_NAMES, DISCOUNTING_CUES, CueMatcher
from .furniture import strip_editor_marks
from .language import detect_language
from .text import doc_fields, doc_text, lede, normalise, strip_boilerplate, tokens

if TYPE_CHECKING:
    import scipy.sparse as sp  # for training and explanations only: tagging never imports it (text_scores)

LANGS = ("de", "en")
TITLE_WEIGHT = 2
GRAM_SIZES = (2, 3, 4, 5)
_CACHE_LIMIT = 50_000     # distinct words; the vocabulary of real feeds repeats well before this
_DISCOUNTING = [CUE_NAMES.index(name) for name in DISCOUNTING_CUES]


@dataclass(frozen=True)
class Parsed:
    """An item reduced to what the features need."""

    title: list[str]
    summary: list[str]
    lang: str


def parse(doc: Mapping) -> Parsed:
    """Normalise and tokenise an item; detect its language if it does not say.
    Boilerplate is dropped from the summary only (a title has none but an editor's mark,
    "[Update]"), and of a whole article only the lede is read (`text.lede`)."""
    title, summary = doc_fields(doc)
    lang = str(doc.get("lang") or "").lower().split("-")[0] or detect_language(doc_text(doc))
    title_words = tokens(normalise(strip_editor_marks(title)))
    return Parsed(title_words, _after_title(title_words, tokens(normalise(strip_boilerplate(lede(summary))))), lang)


_MIN_REPEATED_TITLE = 3   # words: a shorter title ("Instagram") may well begin a summary of its own


def _after_title(title: list[str], summary: list[str]) -> list[str]:
    """The summary without the title it starts with. Many feeds begin the description with the
    title again, and a post without one gets its first words as title (`spiders.feed`), so the
    summary repeats them: read twice, the title's words weigh three times and the rest of the
    summary less (on the real set, the title repeated before its summary cost 0.016 macro-F1)."""
    n = len(title)
    return summary[n:] if n >= _MIN_REPEATED_TITLE and summary[:n] == title else summary


_MIN_PART = 4        # letters of a compound's part: shorter "parts" are mostly chance ("ein", "tag")
_MIN_COMPOUND = 9    # letters of a word worth splitting
_LINKS = ("s", "n", "en", "es", "e")  # German linking letters between a compound's parts


def word_terms(doc: Parsed, parts: Callable[[str], tuple[str, ...]] | None = None) -> list[str]:
    """Unigrams and bigrams, title terms repeated; bigrams never span title and summary.
    In German items `parts` gives a word's further tokens (a compound's parts)."""
    split = parts if doc.lang == "de" else None
    return _field_terms(doc.title, split) * TITLE_WEIGHT + _field_terms(doc.summary, split)


def word_ids(doc: Parsed, index: Mapping[str, int], parts: Callable[[str], tuple[str, ...]] | None = None) -> list[int]:
    """The columns of `word_terms(doc, parts)` that `index` knows, in the same order: the title's
    looked up once and repeated, through `map` (tagging looks up every word of every item; with
    the framed copies' larger vocabulary that was a quarter of the time)."""
    split = parts if doc.lang == "de" else None
    get = index.get
    title = [i for i in map(get, _field_terms(doc.title, split)) if i is not None]
    return title * TITLE_WEIGHT + [i for i in map(get, _field_terms(doc.summary, split)) if i is not None]


def _field_terms(words: list[str], split: Callable[[str], tuple[str, ...]] | None) -> list[str]:
    """One field's unigrams, bigrams and (with `split`) compound parts."""
    terms = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    if split is not None:
        terms += [t for w in words for t in split(w)]
    return terms


def split_compound(word: str, known: frozenset[str] | set[str]) -> tuple[str, ...]:
    """A German compound's modifier and head when both are known words ("reichweitenverlust"
    -> "reichweite", "verlust"; linking "s", "n", "en", "es", "e" dropped), else nothing.
    The longest known head wins: "datenschutzverstoss" -> "datenschutz", "verstoss".

    Character grams already share some letters between a compound and its parts, but a
    word feature is what the model weighs most and what an explanation shows: with the
    parts as words, "Reichweitenverlust" counts as "Reichweite" and "Verlust" do."""
    if len(word) < _MIN_COMPOUND:
        return ()
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head = word[i:]
        if head not in known:
            continue
        modifier = word[:i]
        if modifier in known:
            return (modifier, head)
        for link in _LINKS:
            if modifier.endswith(link) and modifier[: -len(link)] in known and len(modifier) - len(link) >= _MIN_PART:
                return (modifier[: -len(link)], head)
    return ()


def _known_parts(words: Iterable[str]) -> frozenset[str]:
    """Single words long enough to be a compound's part (bigrams and numbers are not)."""
    return frozenset(w for w in words if len(w) >= _MIN_PART and w.isalpha())


def word_types(doc: Parsed) -> list[str]:
    """The words whose character grams count, title words repeated."""
    return doc.title * TITLE_WEIGHT + doc.summary


def char_grams(word: str) -> list[str]:
    """Character 2-5 grams of a word padded with spaces, as ``char_wb`` does."""
    padded = f" {word} "
    size = len(padded)
    return [padded[i : i + n] for n in GRAM_SIZES for i in range(size - n + 1)] or [padded]


@dataclass
class Featurizer:
    """Vocabularies and IDF weights learnt from training texts; stateless otherwise
    apart from a cache of character grams per word."""

    words: list[str]
    grams: list[str]
    word_idf: np.ndarray
    gram_idf: np.ndarray
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # False for models saved before compounds were split: they keep the features they learnt on
    split_compounds: bool = True
    _word_index: dict[str, int] = field(init=False, repr=False)
    _gram_index: dict[str, int] = field(init=False, repr=False)
    _gram_cache: dict[str, np.ndarray] = field(init=False, repr=False)
    cues: CueMatcher = field(init=False, repr=False)
    _parts: frozenset[str] = field(init=False, repr=False)
    _parts_cache: dict[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._word_index = {term: i for i, term in enumerate(self.words)}
        self._gram_index = {gram: i for i, gram in enumerate(self.grams)}
        self._gram_cache = {}
        self.cues = CueMatcher()
        self._parts = _known_parts(self.words)
        self._parts_cache = {}

    def compound_parts(self, word: str) -> tuple[str, ...]:
        """A compound's parts that are words of the vocabulary (cached; asked for German
        items only). The parts come from the vocabulary itself, so a saved model splits
        exactly as it did in training and its file needs no word list of its own."""
        found = self._parts_cache.get(word)
        if found is None:
            if len(self._parts_cache) > _CACHE_LIMIT:
                self._parts_cache.clear()
            found = self._parts_cache[word] = split_compound(word, self._parts)
        return found

    @classmethod
    def fit(cls, docs: Sequence[Parsed], min_df: int = 2,
            weights: tuple[float, float, float] = (1.0, 1.0, 1.0), pair_min_df: int | None = None) -> Featurizer:
        """Keep terms and grams seen in at least `min_df` documents (rarer ones are
        mostly names and typos that would not recur) and compute smoothed IDF. Word pairs
        need `pair_min_df` documents where it is given (training's framed copies: see there)."""
        unigram_df = Counter(t for d in docs for t in set(d.title + d.summary))
        # the words compounds may split into: the same as the fitted vocabulary's single words
        probe = cls([w for w, n in unigram_df.items() if n >= min_df], [], np.zeros(0), np.zeros(0))
        word_df = Counter(t for d in docs for t in set(word_terms(d, probe.compound_parts)))
        gram_df = Counter(_dedupe_doc_grams(docs))
        pair_min = min_df if pair_min_df is None else pair_min_df
        words = sorted(t for t, n in word_df.items() if n >= (pair_min if " " in t else min_df))
        grams = sorted(g for g, n in gram_df.items() if n >= min_df)
        return cls(words, grams, _idf(word_df, words, len(docs)), _idf(gram_df, grams, len(docs)),
                   weights)

    @property
    def feature_names(self) -> list[str]:
        langs = [f"lang:{lang}" for lang in LANGS]
        return self.words + [f"gram:{g}" for g in self.grams] + [f"cue:{c}" for c in CUE_NAMES] + langs

    @property
    def n_features(self) -> int:
        return len(self.words) + len(self.grams) + len(CUE_NAMES) + len(LANGS)

    @property
    def block_starts(self) -> tuple[int, int, int]:
        """First column of the gram, cue and language blocks."""
        grams = len(self.words)
        cues = grams + len(self.grams)
        return grams, cues, cues + len(CUE_NAMES)

    def text_scores(self, docs: Sequence[Parsed], coef: np.ndarray) -> np.ndarray:
        """`transform(docs)`'s word and gram blocks times `coef` ((words + grams) x tags), computed
        without a sparse matrix: the same numbers, for tagging in processes that must stay small.

        The crawl process tags a new source's items (spiders/new_sources.py); SciPy's sparse
        module alone is 22 MB there, and building, sorting and stacking CSR matrices for a
        batch of 200 items cost more than the arithmetic. Each block is one `np.unique` over
        (document, feature) keys, sublinear tf times IDF, rows to unit length, and one
        `bincount` per tag."""
        w_word, w_gram, _ = self.weights
        n_words = len(self.words)
        index, parts = self._word_index, (self.compound_parts if self.split_compounds else None)
        word_rows = [word_ids(d, index, parts) for d in docs]
        scores = _tfidf_dot(word_rows, self.word_idf, coef[:n_words]) * w_word
        if len(self._gram_cache) > _CACHE_LIMIT:
            self._gram_cache.clear()
        gram_ids, cached = self.gram_ids, self._gram_cache.get     # the cache first: no call per known word
        gram_rows = [np.concatenate([ids if (ids := cached(w)) is not None else gram_ids(w) for w in types])
                     if (types := word_types(d)) else _NO_IDS for d in docs]
        scores += _tfidf_dot(gram_rows, self.gram_idf, coef[n_words:]) * w_gram
        return scores

    def cue_block(self, docs: Sequence[Parsed]) -> np.ndarray:
        """The cue and language columns of `transform(docs)`, dense."""
        return self._cue_block(docs) * self.weights[2]

    def transform(self, docs: Sequence[Parsed]) -> sp.csr_matrix:
        """Feature matrix of a batch, rows in the order of `docs`."""
        import scipy.sparse as sp
        w_word, w_gram, w_cue = self.weights
        blocks = [
            self._word_block(docs) * w_word,
            self._gram_block(docs) * w_gram,
            sp.csr_matrix(self._cue_block(docs) * w_cue),
        ]
        return sp.hstack(blocks, format="csr", dtype=np.float64)

    def _word_block(self, docs: Sequence[Parsed]) -> sp.csr_matrix:
        index = self._word_index
        parts = self.compound_parts if self.split_compounds else None
        rows = [[index[t] for t in word_terms(d, parts) if t in index] for d in docs]
        return _tfidf(_count_matrix(rows, len(self.words)), self.word_idf)

    def _gram_block(self, docs: Sequence[Parsed]) -> sp.csr_matrix:
        local: dict[str, int] = {}
        rows = [[local.setdefault(w, len(local)) for w in word_types(d)] for d in docs]
        doc_word = _count_matrix(rows, len(local))
        word_gram = self._word_gram_matrix(list(local))
        return _tfidf((doc_word @ word_gram).tocsr(), self.gram_idf)

    def gram_ids(self, word: str) -> np.ndarray:
        """Column ids (within the gram block) of a word's known grams, cached."""
        ids = self._gram_cache.get(word)
        if ids is None:
            index = self._gram_index
            ids = np.array([index[g] for g in char_grams(word) if g in index], dtype=np.int32)
            self._gram_cache[word] = ids
        return ids

    def _word_gram_matrix(self, words: list[str]) -> sp.csr_matrix:
        """(words x grams) counts, each word's grams looked up once and cached."""
        import scipy.sparse as sp
        if len(self._gram_cache) > _CACHE_LIMIT:
            self._gram_cache.clear()
        parts = [self.gram_ids(word) for word in words]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr),
                               shape=(len(words), len(self.grams)))
        matrix.sum_duplicates()
        return matrix

    def _cue_block(self, docs: Sequence[Parsed]) -> np.ndarray:
        """Cue groups found (1/0) followed by a one-hot language. Groups are collected
        as bit masks per item and unpacked for the whole batch at once."""
        n_cues, count = len(CUE_NAMES), len(docs)
        everywhere = np.fromiter((self.cues.mask(d.title + d.summary) for d in docs), dtype=np.int64, count=count)
        in_title = np.fromiter((self.cues.mask(d.title) for d in docs), dtype=np.int64, count=count)
        out = np.zeros((count, n_cues + len(LANGS)))
        out[:, :n_cues] = (everywhere[:, None] >> np.arange(n_cues)) & 1
        out[:, _DISCOUNTING] = (in_title[:, None] >> np.array(_DISCOUNTING)) & 1
        for column, lang in enumerate(LANGS, start=n_cues):
            out[:, column] = [doc.lang == lang for doc in docs]
        return out

    def to_state(self) -> dict:
        """Plain arrays only, so the model file needs no custom types to load. The vocabulary is
        stored as its UTF-8 text, one term per line: as an array of fixed-width strings, 186,102
        terms of up to 48 letters took 36 MB of memory while loading (four bytes per letter of the
        longest), in every process that tags."""
        return {
            "words_text": _joined(self.words),
            "grams_text": _joined(self.grams),
            "word_idf": self.word_idf.astype(np.float32),
            "gram_idf": self.gram_idf.astype(np.float32),
            "block_weights": np.array(self.weights, dtype=np.float64),
            "split_compounds": np.array(self.split_compounds),
        }

    @classmethod
    def from_state(cls, state: Mapping) -> Featurizer:
        """A featurizer from `to_state`'s arrays, or from those of a model saved before the
        vocabulary was stored as text (`words` and `grams` as string arrays)."""
        words = _split(state["words_text"]) if "words_text" in state else state["words"].tolist()
        grams = _split(state["grams_text"]) if "grams_text" in state else state["grams"].tolist()
        return cls(words, grams,
                   np.asarray(state["word_idf"], dtype=np.float64),
                   np.asarray(state["gram_idf"], dtype=np.float64),
                   cast(tuple[float, float, float], tuple(float(w) for w in state["block_weights"])),
                   bool(state.get("split_compounds", False)))


def _joined(terms: list[str]) -> np.ndarray:
    """Terms as the bytes of their UTF-8 text, one per line. Terms are tokens and bigrams of tokens,
    and grams pad a word with spaces, so none holds a line break."""
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def _split(data: np.ndarray) -> list[str]:
    text = data.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def _dedupe_doc_grams(docs: Iterable[Parsed]) -> Iterable[str]:
    """Each gram once per document, for document frequencies."""
    cache: dict[str, set[str]] = {}
    for doc in docs:
        grams: set[str] = set()
        for word in set(word_types(doc)):
            if word not in cache:
                cache[word] = set(char_grams(word))
            grams |= cache[word]
        yield from grams


def _idf(df: Counter, terms: list[str], n_docs: int) -> np.ndarray:
    """Smoothed IDF as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    counts = np.array([df[t] for t in terms], dtype=np.float64)
    return np.log((1.0 + n_docs) / (1.0 + counts)) + 1.0


def _tfidf_dot(rows: Sequence[Sequence[int] | np.ndarray], idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """(len(rows) x tags): each row of column ids (repeats allowed) as `_tfidf` of its counts, times `coef`."""
    n_docs, n_cols = len(rows), len(idf)
    out = np.zeros((n_docs, coef.shape[1]))
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n_docs)
    if not lengths.sum():
        return out
    # One key per (document, column); 32-bit keys where they fit (a batch of 4,096 items and the gram
    # block's ~100,000 columns do), since sorting them is what this costs and 32 bits sort ~3x faster.
    columns = (np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
               if rows and isinstance(rows[0], list) else np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]))
    wide = np.repeat(np.arange(n_docs, dtype=np.int64), lengths) * n_cols + columns
    keys, counts = np.unique(wide.astype(np.int32) if n_docs * n_cols < 2**31 else wide, return_counts=True)
    docs, columns = np.divmod(keys, n_cols)
    data = (1.0 + np.log(counts)) * idf[columns]
    # The keys come sorted, so each document's entries are one run: sums over runs (`reduceat`) are
    # 20x faster than `bincount`'s scatter. Every run has entries (idf >= 1), so no norm is 0.
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    present = docs[starts]
    norms = np.sqrt(np.add.reduceat(data * data, starts))
    by_tag = np.ascontiguousarray(coef.T)     # a tag's weights in one row: gathered without strides
    for tag in range(coef.shape[1]):          # each row's dot product, then its length divided out
        out[present, tag] = np.add.reduceat(data * by_tag[tag][columns], starts) / norms
    return out


_NO_IDS = np.zeros(0, dtype=np.int32)


def _count_matrix(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """Rows of column ids (repeats allowed) to a CSR count matrix."""
    import scipy.sparse as sp
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int32, count=int(indptr[-1]))
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), n_cols))
    matrix.sum_duplicates()
    return matrix


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf (1 + ln tf) times IDF, rows scaled to unit length."""
    counts = counts.astype(np.float64)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    return _unit_rows(counts)


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row to unit L2 length in place (empty rows stay empty), as
    scikit-learn's `normalize` does; done here so that tagging never imports it."""
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=matrix.data ** 2, minlength=matrix.shape[0]))
    norms[norms == 0.0] = 1.0
    matrix.data /= np.repeat(norms, lengths)
    return matrix


