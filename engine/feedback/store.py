"""The examples and evaluation-history tables of the catalog (schema V5_EXAMPLES): rows in,
typed values out. Nothing here searches or encodes (engine.feedback.book does)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from engine.feedback.examples import EvalPoint, Example, ExampleSource, Verdict
from engine.query_features import QueryFeatures
from engine.store.catalog import Catalog
from engine.store.sql import inserted_id

_COLUMNS = (
    "e.id, e.verdict, e.target_path, e.target_display, e.page, e.created, e.source,"
    " e.query_text, e.image_path, e.features IS NOT NULL, e.image IS NOT NULL, f.id IS NOT NULL"
)
HISTORY_KEPT = 200  # points kept for the plot: a few a day for months, a few KB


@dataclass(frozen=True)
class NewExample:
    """An example as written: the query's key groups the targets of one query."""

    query_text: str
    query_key: str
    features: bytes | None
    image_path: str | None
    image: bytes | None
    target_key: bytes  # engine.store.catalog.path_key of the target
    target_display: str
    page: int | None
    verdict: Verdict
    source: ExampleSource


@dataclass(frozen=True)
class StoredQuery:
    """The is-it examples of one query, as an evaluation runs them."""

    key: str
    text: str
    features: QueryFeatures | None
    image_path: Path | None
    targets: tuple[Path, ...]
    example_ids: tuple[int, ...]


def insert(catalog: Catalog, new: NewExample) -> int:
    """Store ``new`` unless the same query, target, page and verdict is there; the id."""
    found = catalog.query(
        "SELECT id FROM examples WHERE query_key = ? AND target_path = ?"
        " AND page IS NOT DISTINCT FROM ? AND verdict = ?",
        (new.query_key, new.target_key, new.page, new.verdict.value),
    )
    if found:
        return int(found[0][0])
    with catalog.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO examples (query_text, query_key, features, image_path, image,"
            " target_path, target_display, page, verdict, source, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                new.query_text,
                new.query_key,
                new.features,
                new.image_path,
                new.image,
                new.target_key,
                new.target_display,
                new.page,
                new.verdict.value,
                new.source.value,
                time.time(),
            ),
        )
        return inserted_id(cur)


def exists(
    catalog: Catalog, query_key: str, target_key: bytes, page: int | None, verdict: Verdict
) -> bool:
    """Whether this query already has this example (checked before a photo's features are
    taken: importing a query set twice costs no second pass over its photos)."""
    rows = catalog.query(
        "SELECT 1 FROM examples WHERE query_key = ? AND target_path = ?"
        " AND page IS NOT DISTINCT FROM ? AND verdict = ?",
        (query_key, target_key, page, verdict.value),
    )
    return bool(rows)


def examples(catalog: Catalog, ids: list[int] | None = None) -> list[Example]:
    """Every example (or those of ``ids``), oldest first, each saying whether its target is
    still an indexed file."""
    sql = f"SELECT {_COLUMNS} FROM examples e LEFT JOIN files f ON f.path = e.target_path"
    if ids is not None:
        sql += f" WHERE e.id IN ({','.join('?' * len(ids))})"
    rows = catalog.query(sql + " ORDER BY e.id", ids or ())
    return [_example(r) for r in rows]


def _example(r: tuple[object, ...]) -> Example:
    image_path = r[8]
    return Example(
        id=int(r[0]),  # type: ignore[call-overload]
        verdict=Verdict(str(r[1])),
        target_path=Path(os.fsdecode(bytes(r[2]))),  # type: ignore[call-overload]
        target_display=str(r[3]),
        page=int(r[4]) if r[4] is not None else None,  # type: ignore[call-overload]
        created=float(r[5]),  # type: ignore[arg-type]
        source=ExampleSource(str(r[6])),
        query_text=str(r[7]),
        image_path=Path(str(image_path)) if image_path else None,
        has_features=bool(r[9]),
        image_kept=bool(r[10]),
        target_indexed=bool(r[11]),
    )


def delete(catalog: Catalog, example_id: int) -> bool:
    with catalog.transaction() as conn:
        return conn.execute("DELETE FROM examples WHERE id = ?", (example_id,)).rowcount > 0


def image(catalog: Catalog, example_id: int) -> bytes | None:
    rows = catalog.query("SELECT image FROM examples WHERE id = ?", (example_id,))
    return bytes(rows[0][0]) if rows and rows[0][0] is not None else None


def features(catalog: Catalog, example_id: int) -> QueryFeatures | None:
    rows = catalog.query("SELECT features FROM examples WHERE id = ?", (example_id,))
    if not rows or rows[0][0] is None:
        return None
    return QueryFeatures.from_bytes(bytes(rows[0][0]))


def queries(catalog: Catalog, verdict: Verdict = Verdict.IS_IT) -> list[StoredQuery]:
    """The examples of ``verdict`` grouped per query (one query may have several targets),
    in the order the queries were first confirmed."""
    rows = catalog.query(
        "SELECT id, query_key, query_text, features, image_path, target_path FROM examples"
        " WHERE verdict = ? ORDER BY id",
        (verdict.value,),
    )
    grouped: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        grouped.setdefault(str(row[1]), []).append(row)
    return [_stored_query(key, group) for key, group in grouped.items()]


def _stored_query(key: str, group: list[tuple[object, ...]]) -> StoredQuery:
    first = group[0]
    blob = next((r[3] for r in group if r[3] is not None), None)
    feats = QueryFeatures.from_bytes(bytes(blob)) if blob is not None else None  # type: ignore[call-overload]
    image_path = next((str(r[4]) for r in group if r[4]), None)
    targets = tuple(dict.fromkeys(Path(os.fsdecode(bytes(r[5]))) for r in group))  # type: ignore[call-overload]
    return StoredQuery(
        key,
        str(first[2]),
        feats,
        Path(image_path) if image_path else None,
        targets,
        tuple(int(r[0]) for r in group),  # type: ignore[call-overload]
    )


# --- evaluation history ----------------------------------------------------------------------


def add_point(catalog: Catalog, point: EvalPoint) -> None:
    figures = {
        "recall_at_1": point.recall_at_1,
        "recall_at_5": point.recall_at_5,
        "mrr": point.mrr,
        "version": point.adaptation_version,
    }
    with catalog.transaction() as conn:
        conn.execute(
            "INSERT INTO eval_history (at, examples, figures) VALUES (?, ?, ?)",
            (point.at, point.examples, json.dumps(figures)),
        )
        conn.execute(
            "DELETE FROM eval_history WHERE id NOT IN"
            " (SELECT id FROM eval_history ORDER BY id DESC LIMIT ?)",
            (HISTORY_KEPT,),
        )


def points(catalog: Catalog) -> list[EvalPoint]:
    rows = catalog.query("SELECT at, examples, figures FROM eval_history ORDER BY at, id")
    out = []
    for at, n, figures in rows:
        data = json.loads(figures)
        version = data.get("version")
        out.append(
            EvalPoint(
                float(at),
                int(n),
                float(data["recall_at_1"]),
                float(data["recall_at_5"]),
                float(data["mrr"]),
                int(version) if version is not None else None,
            )
        )
    return out
