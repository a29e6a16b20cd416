"""The related-link graph as GraphML or GEXF, through networkx (opens in networkx, Gephi, yEd, Cytoscape).

Nodes are articles, keyed ``<portal>/<antara_id>`` (or the URL for a link that names no article). An archived
article carries ``status="archived"``, ``portal``, ``antara_id``, ``title``, ``published_at`` (ISO 8601 with the
portal's offset), ``story_id``, ``url``. A target that is not archived carries what the link says (``title``,
``portal``, ``url``) and ``status="dead"`` (fetching it gave no article: ``http_status`` says what) or
``status="unarchived"`` (never fetched). Edges go from the linking article to the target, one per related link,
with ``kind`` (``baca_juga`` or ``berita_terkait``) and ``position``: a multigraph, since one article may link
another both ways. Missing values are left out (GraphML and GEXF have no null).

The graph is built in memory (networkx): about 1 KB per node and edge; export a filter of a large archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from antara_crawler.store import schema as s
from antara_crawler.store.extras import require


def node_key(portal: str | None, antara_id: int | None, url: str) -> str:
    return f"{portal}/{antara_id}" if portal and antara_id is not None else url


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def build_graph(engine: Engine, items: Iterable[Any]) -> Any:
    """A networkx MultiDiGraph of the related links of ``items`` (:class:`~antara_crawler.store.export.ArchiveRecord`)."""
    nx = require("networkx")
    graph = nx.MultiDiGraph()
    pending: dict[str, dict[str, Any]] = {}  # targets not among the items: resolved against the archive below
    for item in items:
        r = item.record
        key = node_key(r["portal"], r["antara_id"], r["url"])
        graph.add_node(
            key, **_article_attrs(r["portal"], r["antara_id"], r["url"], r["title"], r["published_at"], r["story_id"])
        )
        pending.pop(key, None)
        for row, link in zip(item.related_rows, r["related"], strict=True):
            target = node_key(row["target_portal"], row["target_antara_id"], row["url"])
            if target not in graph or graph.nodes[target].get("status") != "archived":
                known = pending.setdefault(
                    target, {"portal": row["target_portal"], "antara_id": row["target_antara_id"], "url": row["url"]}
                )
                known.setdefault("title", link["title"])
                if row["target_status"] is not None:
                    known["http_status"] = row["target_status"]
            graph.add_edge(key, target, kind=row["kind"], position=row["position"])
    with engine.connect() as conn:
        _resolve(conn, graph, pending)
    return graph


def _article_attrs(
    portal: str, antara_id: int, url: str, title: str | None, published: str | None, story: int | None
) -> dict[str, Any]:
    return _clean(
        {"status": "archived", "portal": portal, "antara_id": int(antara_id), "url": url, "title": title,
         "published_at": published, "story_id": story}
    )  # fmt: skip


def _resolve(conn: Connection, graph: Any, pending: dict[str, dict[str, Any]]) -> None:
    """Targets outside the exported items: archived ones get their article's attributes, the rest are marked."""
    from antara_crawler.store.records import _utc_iso  # the records' date form

    a, ls = s.articles, s.link_statuses
    by_portal: dict[str, list[int]] = {}
    for info in pending.values():
        if info["portal"] and info["antara_id"] is not None:
            by_portal.setdefault(info["portal"], []).append(int(info["antara_id"]))
    archived: dict[str, dict[str, Any]] = {}
    dead: dict[str, int] = {}
    for portal, ids in by_portal.items():
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            stmt = select(
                a.c.antara_id, a.c.url, a.c.title, a.c.published_at_local, a.c.published_at, a.c.story_id, a.c.id
            )
            for antara_id, url, title, local, utc, story, article_id in conn.execute(
                stmt.where(a.c.portal == portal, a.c.antara_id.in_(chunk))
            ):
                published = local or _utc_iso(utc, portal)
                archived[node_key(portal, antara_id, url)] = _article_attrs(
                    portal, antara_id, url, title, published, story or article_id
                )
            for antara_id, status in conn.execute(
                select(ls.c.antara_id, ls.c.status).where(ls.c.portal == portal, ls.c.antara_id.in_(chunk))
            ):
                dead[node_key(portal, antara_id, "")] = int(status)
    for key, info in pending.items():
        if key in archived:
            graph.add_node(key, **archived[key])
            continue
        status = info.get("http_status", dead.get(key))
        attrs = {**info, "status": "dead" if status is not None else "unarchived", "http_status": status}
        graph.add_node(key, **_clean(attrs))


def write_graph(graph: Any, path: Path, fmt: str) -> None:
    nx = require("networkx")
    if fmt == "graphml":
        nx.write_graphml(graph, str(path), encoding="utf-8")
    else:
        nx.write_gexf(graph, str(path), encoding="utf-8")
