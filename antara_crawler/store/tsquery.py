"""The archive's search language (FTS5's) on PostgreSQL: an FTS5 query compiled to ``to_tsquery()`` text, and the
weighted ``tsvector`` document, match and rank expressions that use the GIN index ``ix_articles_tsv``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal_column

from antara_crawler.store import schema as s
from antara_crawler.store.errors import invalid_query

# --- PostgreSQL: the FTS5 query language translated to a tsquery ------------------------------------------------
#
# The archive's search language is FTS5's on every backend. On PostgreSQL a query is parsed here (so a malformed
# one fails with the same kind of one-line message as on SQLite; websearch_to_tsquery() accepts anything and could
# not tell) and rewritten as to_tsquery() text (websearch syntax has no prefix search and no parentheses):
#
#   word               'word'                  a "phrase"        'a phrase' (PostgreSQL: 'a' <-> 'phrase')
#   a b, a AND b       'a' & 'b'               a OR b            'a' | 'b'
#   a NOT b            'a' & !'b'              (a OR b) c        grouping kept
#   pre*, "a b"*       'pre':*, 'a b':*        a + b             'a' <-> 'b'
#   title:x, body:x    'x':A, 'x':B            -title:x, {title body}:x     the other column / both
#
# NEAR(...) and ^ (first word of a column) have no tsquery equivalent: they fail with a one-line message.
# Words are the PostgreSQL parser's (the same one that built the index): lower-cased, accents kept ("café" does not
# find "cafe", unlike SQLite's remove_diacritics), a hyphenated word is also one lexeme ("anak-anak").

#: the text search configuration: 'simple' lower-cases and keeps every word; PostgreSQL has no Indonesian stemmer
#: or stop-word list, so any language-specific configuration would mangle Indonesian words. Migration 0004 builds
#: the GIN index ``ix_articles_tsv`` over exactly the expression :func:`pg_document` returns.
TS_CONFIG = "simple"
#: ts_rank_cd weights for D, C, B (body), A (title): a title word counts ten body words, as BM25_WEIGHTS on SQLite
TS_RANK_WEIGHTS = "{0, 0, 0.1, 1}"
#: between title and body in the document: a lexeme no query produces, so that a "phrase" never spans the title's
#: last word and the body's first (``||`` numbers the body's words on from the title's)
_SPACER = literal_column("''' '':1'::tsvector")
_COLUMN_WEIGHTS = {"title": "A", "body": "B"}
_BAREWORD_EXTRA = frozenset("_\x1a")
_PUNCT = {"(": "LP", ")": "RP", "+": "PLUS", "*": "STAR", ":": "COLON", "^": "CARET", "{": "LCP", "}": "RCP"}
_PUNCT.update({"-": "MINUS", ",": "COMMA"})
_STARTS_CNEARSET = ("STRING", "MINUS", "LCP", "CARET")


class _Syntax(Exception):
    """A malformed FTS5 query; the message is the detail shown after ``invalid search query '...':``."""


@dataclass
class _Token:
    kind: str  # STRING (a bareword or a "quoted string"), AND, OR, NOT, EOF, or a _PUNCT kind
    text: str  # what the query says (for error messages)
    value: str = ""  # a STRING's text, unquoted


def _is_bareword_char(ch: str) -> bool:
    return ord(ch) > 127 or (ch.isascii() and ch.isalnum()) or ch in _BAREWORD_EXTRA


def _fts5_tokens(query: str) -> list[_Token]:
    """FTS5's query tokenizer: barewords, "strings" ("" inside is a quote), AND/OR/NOT, punctuation."""
    out: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            j, parts = i + 1, []
            while True:
                end = query.find('"', j)
                if end < 0:
                    raise _Syntax("unterminated string")
                parts.append(query[j:end])
                if query.startswith('"', end + 1):  # "" is a quote inside a string
                    parts.append('"')
                    j = end + 2
                    continue
                break
            out.append(_Token("STRING", query[i : end + 1], "".join(parts)))
            i = end + 1
        elif _is_bareword_char(ch):
            j = i
            while j < n and _is_bareword_char(query[j]):
                j += 1
            word = query[i:j]
            out.append(_Token(word if word in ("AND", "OR", "NOT") else "STRING", word, word))
            i = j
        elif ch in _PUNCT:
            out.append(_Token(_PUNCT[ch], ch))
            i += 1
        else:
            raise _Syntax(f'syntax error near "{ch}"')
    out.append(_Token("EOF", ""))
    return out


class _TsQueryWriter:
    """Recursive descent over FTS5's grammar (OR < AND < NOT < implicit AND), writing to_tsquery() text."""

    def __init__(self, query: str):
        self.tokens = _fts5_tokens(query)
        self.at = 0
        self.weights = ""  # the column filter in force (tsquery weight letters), "" for both columns

    def write(self) -> str:
        out = self._or()
        if self._peek().kind != "EOF":
            self._fail()
        return out

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def _take(self, kind: str) -> _Token:
        token = self._peek()
        if token.kind != kind:
            self._fail()
        self.at += 1
        return token

    def _fail(self) -> None:
        raise _Syntax(f'syntax error near "{self._peek().text}"')

    def _or(self) -> str:
        parts = [self._and()]
        while self._peek().kind == "OR":
            self.at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._not()]
        while self._peek().kind == "AND":
            self.at += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    def _not(self) -> str:
        out = self._term()
        while self._peek().kind == "NOT":
            self.at += 1
            out = f"({out} & !{self._term()})"
        return out

    def _term(self) -> str:
        """``( expr )``, ``colspec : ( expr )`` or a run of (column-filtered) phrases joined by an implicit AND."""
        if self._peek().kind == "LP":
            return self._grouped(self.weights)
        parts: list[str] = []
        while not parts or self._peek().kind in _STARTS_CNEARSET:
            weights = self.weights
            if self._starts_colspec():
                weights = self._colspec()
                if not parts and self._peek().kind == "LP":
                    return self._grouped(weights)
            parts.append(self._nearset(weights))
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    def _grouped(self, weights: str) -> str:
        """``( expr )``; a column filter in front applies to every phrase inside."""
        self._take("LP")
        saved, self.weights = self.weights, weights
        try:
            out = self._or()
        finally:
            self.weights = saved
        self._take("RP")
        return out

    def _starts_colspec(self) -> bool:
        kind = self._peek().kind
        return kind in ("MINUS", "LCP") or (kind == "STRING" and self._peek(1).kind == "COLON")

    def _colspec(self) -> str:
        """``[-] name :`` or ``[-] {name ...} :`` as tsquery weight letters (title A, body B)."""
        negate = self._peek().kind == "MINUS"
        if negate:
            self.at += 1
        names = []
        if self._peek().kind == "LCP":
            self.at += 1
            names.append(self._take("STRING").value)
            while self._peek().kind == "STRING":
                names.append(self._take("STRING").value)
            self._take("RCP")
        else:
            names.append(self._take("STRING").value)
        weights = set()
        for name in names:  # checked before the colon, as FTS5 does ("a -b" names a column b)
            if name.lower() not in _COLUMN_WEIGHTS:
                raise _Syntax(f"no such column: {name}")
            weights.add(_COLUMN_WEIGHTS[name.lower()])
        self._take("COLON")
        if negate:
            weights = set(_COLUMN_WEIGHTS.values()) - weights
        weights = weights or {"D"}  # -{title body}: no column left; no lexeme has weight D, so nothing matches
        if self.weights:  # nested column filters: the intersection
            weights = weights & set(self.weights) or {"D"}
        return "".join(sorted(weights))

    def _nearset(self, weights: str) -> str:
        if self._peek().kind == "STRING" and self._peek(1).kind == "LP":
            if self._peek().text != "NEAR":
                self._fail()
            self.at += 2
            self._phrase("")
            while self._peek().kind in ("STRING", "CARET"):
                self._phrase("")
            if self._peek().kind == "COMMA":
                self.at += 1
                self._take("STRING")
            self._take("RP")
            raise _Syntax('NEAR(...) needs SQLite FTS5; on PostgreSQL use AND or a "phrase"')
        return self._phrase(weights)

    def _phrase(self, weights: str) -> str:
        """``string [*] (+ string [*])*``: each string one to_tsquery operand, joined by ``<->``."""
        operands = [self._operand(weights)]
        while self._peek().kind == "PLUS":
            self.at += 1
            operands.append(self._operand(weights))
        return operands[0] if len(operands) == 1 else "(" + " <-> ".join(operands) + ")"

    def _operand(self, weights: str) -> str:
        if self._peek().kind == "CARET":
            self.at += 1
            self._take("STRING")
            raise _Syntax("^ (first word of a column) needs SQLite FTS5")
        text = self._take("STRING").value
        prefix = self._peek().kind == "STAR"
        if prefix:
            self.at += 1
        # a quoted operand: PostgreSQL's parser splits it into words (several make a phrase); '' is not allowed,
        # a blank operand is dropped like a word-less one
        quoted = "'" + (text or " ").replace("\\", "\\\\").replace("'", "\\'") + "'"
        suffix = ("*" if prefix else "") + weights
        return f"{quoted}:{suffix}" if suffix else quoted


def fts5_to_tsquery(query: str) -> str:
    """An FTS5 query as PostgreSQL ``to_tsquery()`` text; raises :class:`QueryError` when it is malformed."""
    try:
        return _TsQueryWriter(query).write()
    except _Syntax as exc:
        raise invalid_query(query, str(exc)) from None


def pg_document() -> ColumnElement[Any]:
    """The weighted tsvector of an article (title A, a spacer, body B): the expression of the GIN index
    ``ix_articles_tsv`` (migration 0004).

    Written with literals, not bound parameters, so that the planner recognizes the index expression.
    """
    a = s.articles

    def weighted(col: ColumnElement[Any], weight: str) -> ColumnElement[Any]:
        vector = func.to_tsvector(literal_column(f"'{TS_CONFIG}'"), func.coalesce(col, literal_column("''")))
        return func.setweight(vector, literal_column(f"'{weight}'"))

    return weighted(a.c.title, "A").op("||")(_SPACER).op("||")(weighted(a.c.body, "B"))


def pg_tsquery(query: str) -> ColumnElement[Any]:
    """``to_tsquery('simple', :ts_query)`` for an FTS5 query (raises :class:`QueryError` when it is malformed)."""
    return func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), bindparam("ts_query", fts5_to_tsquery(query)))


def pg_match(query: str) -> ColumnElement[bool]:
    """``<document> @@ to_tsquery(...)``: uses the GIN index ``ix_articles_tsv``."""
    return pg_document().bool_op("@@")(pg_tsquery(query))


def pg_rank(query: str) -> ColumnElement[Any]:
    """``ts_rank_cd`` with the title weighted ten times the body (higher is better)."""
    weights = literal_column(f"'{TS_RANK_WEIGHTS}'::float4[]")
    return func.ts_rank_cd(weights, pg_document(), pg_tsquery(query))


__all__ = ["TS_CONFIG", "TS_RANK_WEIGHTS", "fts5_to_tsquery", "pg_document", "pg_match", "pg_rank", "pg_tsquery"]
