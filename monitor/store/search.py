"""Full-text search behind one function, whatever the database.

Both engines stumble on German: neither folds 'Müller'/'Mueller' or 'ß'/'ss', and
neither splits compounds. So the text is normalised here, the same way for the index
and for the query, and SQLite matches trigrams inside words ('Reichweite' finds
'Reichweitenverlust').
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Double, SQLColumnExpression, and_, cast, false, func, literal_column, or_, text

from monitor.watch.text import fold

_WORD = re.compile(r"[\w#@+-]+", re.UNICODE)
_TSWORD = re.compile(r"[^\w]", re.UNICODE)


def normalize(text: str) -> str:
    return fold(text)


def query_terms(query: str) -> list[str]:
    return [t.strip("-") for t in _WORD.findall(normalize(query)) if t.strip("-")]


def search_clause(dialect: str, id_column: SQLColumnExpression[int], text_column: SQLColumnExpression[str],
                  query: str, fts: bool = True) -> ColumnElement[bool] | None:
    """A WHERE clause matching items whose text contains every term of the query.

    On SQLite, `fts=False` leaves out the FTS test of the longer terms, for a caller that
    joins the items to `fts_match(query)` itself (to rank them: one FTS pass, not two)."""
    terms = query_terms(query)
    if not terms:
        return None
    if dialect == "sqlite":
        clauses = [text_column.like(f"%{_escape(t)}%", escape="\\") for t in terms if len(t) < 3]
        match = fts_match(query)
        if match and fts:
            clauses.append(id_column.in_(text("SELECT rowid FROM items_fts WHERE items_fts MATCH :match")
                                         .bindparams(match=match)))
        return and_(*clauses) if clauses else None
    # LIKE, not ILIKE: the text and the terms are folded to lower case alike (normalize), and
    # PostgreSQL's case-blind test costs twice as much on every candidate row it rechecks.
    return and_(*[or_(_pg_match(t), text_column.like(f"%{_escape(t)}%", escape="\\")) for t in terms])


def fts_match(query: str) -> str | None:
    """SQLite: the FTS5 query for the terms of 3 characters or more (the trigram index needs 3), all of
    them; None when there are none."""
    terms = [t for t in query_terms(query) if len(t) >= 3]
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms) if terms else None


def _pg_tsquery(terms: list[str], joiner: str) -> ColumnElement[Any] | None:
    """Stemmed prefix queries in both configurations ('reichweite' -> reichweit:* finds 'reichweitenverlust')."""
    words = [w for w in (_TSWORD.sub("", t) for t in terms) if w]
    if not words:
        return None
    query = f" {joiner} ".join(f"{w}:*" for w in words)
    return func.to_tsquery("german", query).op("||")(func.to_tsquery("english", query))


def _pg_match(term: str) -> ColumnElement[bool]:
    query = _pg_tsquery([term], "&")
    return literal_column("items.search_vector").op("@@")(query) if query is not None else false()


def relevance_score(dialect: str, query: str) -> ColumnElement[float] | None:
    """PostgreSQL: how well an item matches (higher is better; ts_rank reads the item alone, so a
    score never changes while other items arrive), or None to keep date order. SQLite ranks with
    bm25 over the FTS index instead (browse.ranked)."""
    terms = [t for t in query_terms(query) if len(t) >= 3]
    if not terms or dialect != "postgresql":
        return None
    tsquery = _pg_tsquery(terms, "|")
    if tsquery is None:
        return None
    return cast(func.ts_rank(literal_column("items.search_vector"), tsquery), Double)


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


