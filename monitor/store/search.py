"""Full-text search behind one function, whatever the database.

Both engines stumble on German: neither folds 'Müller'/'Mueller' or 'ß'/'ss', and
neither splits compounds. So the text is normalised here, the same way for the index
and for the query, and SQLite matches trigrams inside words ('Reichweite' finds
'Reichweitenverlust').
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, TextClause, and_, false, func, literal_column, or_, text

from monitor.watch.text import fold

_WORD = re.compile(r"[\w#@+-]+", re.UNICODE)
_TSWORD = re.compile(r"[^\w]", re.UNICODE)


def normalize(text: str) -> str:
    return fold(text)


def query_terms(query: str) -> list[str]:
    return [t.strip("-") for t in _WORD.findall(normalize(query)) if t.strip("-")]


def search_clause(dialect: str, id_column: SQLColumnExpression[int], text_column: SQLColumnExpression[str],
                  query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching items whose text contains every term of the query."""
    terms = query_terms(query)
    if not terms:
        return None
    if dialect == "sqlite":
        long_terms = [t for t in terms if len(t) >= 3]
        short = [text_column.like(f"%{_escape(t)}%", escape="\\") for t in terms if len(t) < 3]
        clauses = short
        if long_terms:
            match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            clauses.append(id_column.in_(text("SELECT rowid FROM items_fts WHERE items_fts MATCH :match")
                                         .bindparams(match=match)))
        return and_(*clauses)
    return and_(*[or_(_pg_match(t), text_column.ilike(f"%{_escape(t)}%", escape="\\")) for t in terms])


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


def relevance_order(dialect: str, query: str) -> ColumnElement[Any] | TextClause | None:
    """An ORDER BY expression for 'by relevance' (best first), or None to keep date order."""
    terms = [t for t in query_terms(query) if len(t) >= 3]
    if not terms:
        return None
    if dialect == "postgresql":
        tsquery = _pg_tsquery(terms, "|")
        return func.ts_rank(literal_column("items.search_vector"), tsquery).desc() if tsquery is not None else None
    if dialect != "sqlite":
        return None
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return text("(SELECT bm25(items_fts) FROM items_fts WHERE items_fts MATCH :rel AND items_fts.rowid = items.id)"
                ).bindparams(rel=match)


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


