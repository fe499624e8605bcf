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

A word's features (its column, its compound parts, its character grams, its cue
groups) are a function of the word alone. So a batch is read as one run of words
(`_Batch`): each distinct word is looked up once (grams are cached across batches too),
NumPy spreads the results to every occurrence, and counting is one sort of (item,
column) keys. `word_terms` and `word_types` say per item what is counted; a test holds
the batch to them. Features and scores cost about 70 µs an item on one core, where a plain
``TfidfVectorizer(analyzer="char_wb")`` takes about a millisecond.

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


class _Batch:
    """A batch of items as one run of words (each item's title, then its summary) and its distinct
    words. The features of a word (its column, compound parts, character grams, cue groups) are
    looked up once per distinct word and spread to its occurrences with NumPy: a loop over every
    word of every item, as `word_terms` and `word_types` define the features, was more than half
    the time of scoring a batch (a batch of 4,096 real items holds about three distinct words an item)."""

    def __init__(self, docs: Sequence[Parsed]):
        self.flat: list[str] = list(chain.from_iterable(chain(d.title, d.summary) for d in docs))
        self.words: list[str] = list(dict.fromkeys(self.flat))
        position = {word: i for i, word in enumerate(self.words)}
        self.ids = np.fromiter(map(position.__getitem__, self.flat), dtype=np.int64, count=len(self.flat))
        titles = np.fromiter((len(d.title) for d in docs), dtype=np.int64, count=len(docs))
        sizes = titles + np.fromiter((len(d.summary) for d in docs), dtype=np.int64, count=len(docs))
        ends = np.cumsum(sizes)
        title_ends = ends - sizes + titles
        self.ends: list[int] = ends.tolist()              # per item: one past its last word
        self.title_ends: list[int] = title_ends.tolist()  # per item: one past its title's last word
        self.doc = np.repeat(np.arange(len(docs)), sizes)   # per word: its item
        self.in_title = np.arange(len(self.flat)) < np.repeat(title_ends, sizes)
        self.field = 2 * self.doc + ~self.in_title           # per word: its item's title or summary
        self.weight = np.where(self.in_title, TITLE_WEIGHT, 1)
        self.german = np.array([d.lang == "de" for d in docs], dtype=bool)[self.doc]


def _ragged(flat: np.ndarray, lengths: np.ndarray, pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of different lengths (row `i` is the next `lengths[i]` values of `flat`): row `i` for each
    `i` in `pick`, concatenated, and for each value the position in `pick` it came from. A gather
    without a loop over `pick`."""
    counts = lengths[pick]
    if not counts.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(int(ends[-1])) + np.repeat(offsets[pick] - (ends - counts), counts)
    return flat[positions], np.repeat(np.arange(len(pick)), counts)


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
    _pair_words_built: frozenset[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._word_index = {term: i for i, term in enumerate(self.words)}
        self._gram_index = {gram: i for i, gram in enumerate(self.grams)}
        self._gram_cache = {}
        self.cues = CueMatcher()
        self._parts = _known_parts(self.words)
        self._parts_cache = {}
        self._pair_words_built = None

    @property
    def _pair_words(self) -> frozenset[str]:
        """Words that begin or end a word pair of the vocabulary: only their neighbours are looked up
        as pairs (built on first use, 20 ms for 60,000 terms)."""
        if self._pair_words_built is None:
            self._pair_words_built = frozenset(part for term in self.words if " " in term for part in term.split(" "))
        return self._pair_words_built

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
        without a sparse matrix: the same numbers, for tagging in processes that must stay small."""
        return self.scores_and_cues(docs, coef)[0]

    def scores_and_cues(self, docs: Sequence[Parsed], coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`text_scores(docs, coef)` and `cue_block(docs)` from one reading of the batch: what tagging needs.

        The crawl process tags a new source's items (spiders/new_sources.py); SciPy's sparse
        module alone is 22 MB there, and building, sorting and stacking CSR matrices for a
        batch of 200 items cost more than the arithmetic. Each block is one sort of (item,
        column) keys, sublinear tf times IDF, rows to unit length, and one sum per tag."""
        batch = _Batch(docs)
        w_word, w_gram, w_cue = self.weights
        n_words = len(self.words)
        scores = _tfidf_dot(*self._word_entries(batch), len(docs), self.word_idf, coef[:n_words]) * w_word
        scores += _tfidf_dot(*self._gram_entries(batch), len(docs), self.gram_idf, coef[n_words:]) * w_gram
        return scores, self._cue_block(batch, docs) * w_cue

    def cue_block(self, docs: Sequence[Parsed]) -> np.ndarray:
        """The cue and language columns of `transform(docs)`, dense."""
        return self._cue_block(_Batch(docs), docs) * self.weights[2]

    def transform(self, docs: Sequence[Parsed]) -> sp.csr_matrix:
        """Feature matrix of a batch, rows in the order of `docs`."""
        import scipy.sparse as sp
        batch = _Batch(docs)
        w_word, w_gram, w_cue = self.weights
        blocks = [
            _tfidf(_count_matrix(*self._word_entries(batch), len(docs), len(self.words)), self.word_idf) * w_word,
            _tfidf(_count_matrix(*self._gram_entries(batch), len(docs), len(self.grams)), self.gram_idf) * w_gram,
            sp.csr_matrix(self._cue_block(batch, docs) * w_cue),
        ]
        return sp.hstack(blocks, format="csr", dtype=np.float64)

    def _word_entries(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        """(item, column) of every term `word_terms` gives, for the whole batch: each word, each
        pair of neighbours in one field, and in German items each compound's parts, title ones
        `TITLE_WEIGHT` times. Words and pairs are looked up once per distinct one."""
        index, words, ids = self._word_index, batch.words, batch.ids
        known = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
        columns, at = [known[ids]], [np.arange(len(ids))]
        # Pairs: a word and the next one in the same field, where both occur in some pair the model knows.
        pairable = np.fromiter((w in self._pair_words for w in words), dtype=bool, count=len(words))[ids]
        first = np.flatnonzero((batch.field[1:] == batch.field[:-1]) & pairable[:-1] & pairable[1:])
        if len(first):
            keys, where = np.unique(ids[first] * len(words) + ids[first + 1], return_inverse=True)
            left, right = np.divmod(keys, len(words))
            pairs = zip(left.tolist(), right.tolist())
            found = np.fromiter((index.get(f"{words[a]} {words[b]}", -1) for a, b in pairs), dtype=np.int64,
                                count=len(keys))
            columns.append(found[where])
            at.append(first)
        if self.split_compounds and batch.german.any():
            parts = [self.compound_parts(w) for w in words]
            lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
            flat = np.fromiter((index[p] for p in chain.from_iterable(parts)), dtype=np.int64, count=int(lengths.sum()))
            occurrences = np.flatnonzero(batch.german)
            found, which = _ragged(flat, lengths, ids[occurrences])
            columns.append(found)
            at.append(occurrences[which])
        column, where = np.concatenate(columns), np.concatenate(at)
        keep = column >= 0
        column, where = column[keep], where[keep]
        weight = batch.weight[where]
        return np.repeat(batch.doc[where], weight), np.repeat(column, weight)

    def _gram_entries(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        """(item, column) of every character gram of every word, title words' `TITLE_WEIGHT` times
        (`word_types`), each distinct word's grams looked up once (and cached across batches)."""
        grams = [self.gram_ids(w) for w in batch.words]
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        flat = np.concatenate(grams) if grams else np.zeros(0, dtype=np.int32)
        found, which = _ragged(flat, lengths, np.repeat(batch.ids, batch.weight))
        return np.repeat(batch.doc, batch.weight)[which], found

    def _cue_block(self, batch: _Batch, docs: Sequence[Parsed]) -> np.ndarray:
        """Cue groups found (1/0) followed by a one-hot language. Groups are collected as bit
        masks per item (`CueMatcher`): each distinct word's once, phrases only where a word of
        the batch starts one; discounting groups count in the title only."""
        n_cues, count, cues = len(CUE_NAMES), len(docs), self.cues
        bits = np.fromiter(map(cues.word_mask, batch.words), dtype=np.int64, count=len(batch.words))[batch.ids]
        everywhere, in_title = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
        np.bitwise_or.at(everywhere, batch.doc, bits)
        np.bitwise_or.at(in_title, batch.doc[batch.in_title], bits[batch.in_title])
        starts = np.fromiter((w in cues.phrases for w in batch.words), dtype=bool, count=len(batch.words))
        candidates = np.flatnonzero(starts[batch.ids])
        hits: list[tuple[int, int, bool]] = []
        for i, doc in zip(candidates.tolist(), batch.doc[candidates].tolist()):
            hits += [(doc, 1 << gid, i + length <= batch.title_ends[doc])
                     for length, gid in cues.phrases_at(batch.flat, i, batch.ends[doc])]
        for doc, bit, title in hits:
            everywhere[doc] |= bit
            if title:
                in_title[doc] |= bit
        out = np.zeros((count, n_cues + len(LANGS)))
        out[:, :n_cues] = (everywhere[:, None] >> np.arange(n_cues)) & 1
        out[:, _DISCOUNTING] = (in_title[:, None] >> np.array(_DISCOUNTING)) & 1
        for column, lang in enumerate(LANGS, start=n_cues):
            out[:, column] = [doc.lang == lang for doc in docs]
        return out

    def gram_ids(self, word: str) -> np.ndarray:
        """Column ids (within the gram block) of a word's known grams, cached (like `compound_parts`)."""
        ids = self._gram_cache.get(word)
        if ids is None:
            if len(self._gram_cache) > _CACHE_LIMIT:
                self._gram_cache.clear()
            index = self._gram_index
            ids = np.array([index[g] for g in char_grams(word) if g in index], dtype=np.int32)
            self._gram_cache[word] = ids
        return ids

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


def _tfidf_dot(docs: np.ndarray, columns: np.ndarray, n_docs: int, idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """(n_docs x tags): the counts of (item `docs[k]`, column `columns[k]`) as `_tfidf` makes them,
    times `coef`."""
    out = np.zeros((n_docs, coef.shape[1]))
    if not len(columns):
        return out
    n_cols = len(idf)
    # One key per (document, column); 32-bit keys where they fit (a batch of 4,096 items and the gram
    # block's ~100,000 columns do), since sorting them is what this costs and 32 bits sort ~3x faster.
    # NumPy's stable sort takes 60 % of the default's time on these keys (the gram block's arrive in
    # document order), and equal integers leave the same array whichever sort ran.
    kind = np.int32 if n_docs * n_cols < 2**31 else np.int64
    wide = docs.astype(kind) * n_cols + columns.astype(kind)
    wide.sort(kind="stable")
    first = np.empty(len(wide), dtype=bool)
    first[0] = True
    np.not_equal(wide[1:], wide[:-1], out=first[1:])
    at = np.flatnonzero(first)
    counts = np.diff(at, append=len(wide))
    rows, columns = np.divmod(wide[at], n_cols)
    data = (1.0 + np.log(counts)) * idf[columns]
    # The keys come sorted, so each document's entries are one run: sums over runs (`reduceat`) are
    # 20x faster than `bincount`'s scatter. Every run has entries (idf >= 1), so no norm is 0.
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    present = rows[starts]
    norms = np.sqrt(np.add.reduceat(data * data, starts))
    by_tag = np.ascontiguousarray(coef.T)     # a tag's weights in one row: gathered without strides
    for tag in range(coef.shape[1]):          # each row's dot product, then its length divided out
        out[present, tag] = np.add.reduceat(data * by_tag[tag][columns], starts) / norms
    return out


def _count_matrix(docs: np.ndarray, columns: np.ndarray, n_docs: int, n_cols: int) -> sp.csr_matrix:
    """(n_docs x n_cols) counts of (item `docs[k]`, column `columns[k]`)."""
    import scipy.sparse as sp
    matrix = sp.csr_matrix((np.ones(len(columns)), (docs, columns)), shape=(n_docs, n_cols))
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


