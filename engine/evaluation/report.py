"""Evaluation report: one self-contained HTML file (plots embedded as base64 PNG).

Contents: the configurations side by side (table + recall-vs-K curves), the distribution of
fused scores per item kind (relevant vs other results), and the geometry of the index's
embedding clouds per space (a joint 2-D PCA per item kind plus the queries, and the
modality-gap measures of engine.align.geometry) so the gap calibration has to bridge is visible.

Plots use matplotlib's object API with the Agg canvas (never pyplot), so writing a report from
the desktop app neither opens windows nor changes its matplotlib backend.

The desktop app opens :func:`latest_report` (``<data dir>/reports/latest.html``).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from engine.align.geometry import modality_gap_report, project_2d
from engine.config import LATEST_REPORT, REPORTS_DIR
from engine.evaluation.ranking import KS, NDCG_K
from engine.evaluation.records import EvalResult
from engine.store.atomic import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.library import Library
    from engine.store.catalog import Catalog

LATEST = LATEST_REPORT
MAX_PER_KIND = 2000  # vectors per item kind in the geometry plots
GAP_SAMPLES = 1000  # per cloud for the gap measures (the separability fit is the slow part)
GAP_KEYS = (
    "centroid_gap",
    "gaussian_w2",
    "sliced_wasserstein",
    "linear_separability",
    "cos_within_x",
    "cos_within_y",
    "cos_between",
)


def reports_dir(data_dir: Path) -> Path:
    return Path(data_dir) / REPORTS_DIR


def default_report_path(data_dir: Path) -> Path:
    return reports_dir(data_dir) / f"eval-{time.strftime('%Y%m%d-%H%M%S')}.html"


def latest_report(data_dir: Path) -> Path | None:
    """The most recent report of this data directory, for the GUI's "open report" item."""
    path = reports_dir(data_dir) / LATEST
    return path if path.is_file() else None


def write_report(
    library: Library,
    results: Sequence[EvalResult],
    out: Path | None = None,
    extra: Sequence[str] = (),
) -> Path:
    """Write the HTML report (default: ``<data dir>/reports/eval-<time>.html``) and refresh
    ``latest.html`` next to the default location; returns the report's path. ``extra``:
    further HTML sections (the adaptation report of an evaluation against the examples)."""
    out = Path(out) if out else default_report_path(library.data_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    texts = [q.query for q in results[0].queries if q.modality == "text" and not q.error]
    page = render_html(results, geometry_sections(library, texts), extra)
    write_atomic(out, page)
    latest = reports_dir(library.data_dir) / LATEST
    latest.parent.mkdir(parents=True, exist_ok=True)
    if out.resolve() != latest.resolve():
        write_atomic(latest, page)
    return out


# --- HTML ------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}img{max-width:100%}
.bad{color:#b00}
"""


def render_html(
    results: Sequence[EvalResult], geometry: list[str], extra: Sequence[str] = ()
) -> str:
    first = results[0]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Sagasu evaluation</title><style>{_STYLE}</style></head><body>",
        "<h1>Sagasu retrieval evaluation</h1>",
        "<h2>Configuration</h2>",
        _kv_table(_config_rows(first)),
        "<h2>Results</h2>",
        _results_table(results),
        _img(recall_plot(results), "Recall vs K"),
        "<h2>Scores per item kind</h2>",
        _img(score_plot(first), "Score distributions"),
        "<h2>Embedding geometry (modality gap)</h2>",
        *geometry,
        *extra,
        "<h2>Queries</h2>",
        _query_table(first),
        "</body></html>",
    ]
    return "\n".join(parts)


def _config_rows(result: EvalResult) -> list[tuple[str, str]]:
    cfg = {k: v for k, v in result.config.items() if k not in ("label", "signals", "calibration")}
    info = result.index
    rows = [(k, _fmt(v)) for k, v in cfg.items()]
    rows.append(("index size (bytes)", f"{info.get('bytes', 0):,}"))
    rows.append(("items", _fmt(info.get("counts"))))
    rows.append(("vectors", _fmt(info.get("vectors"))))
    secs = info.get("indexing_seconds")
    rows.append(
        (
            "last indexing run",
            f"{secs:.1f} s ({info.get('last_run_status')})" if isinstance(secs, float) else "-",
        )
    )
    return rows


def _results_table(results: Sequence[EvalResult]) -> str:
    keys = [
        *(f"recall@{k}" for k in KS),
        "mrr",
        "map",
        f"ndcg@{NDCG_K}",
        "latency_ms_p50",
        "latency_ms_p95",
        "first_ms_p95",
    ]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    rows = [
        f"<tr><th class=l>configuration</th><th class=l>set</th><th>n</th><th>errors</th>"
        f"<th>calibration</th>{head}</tr>"
    ]
    for r in results:
        for name in r.set_names():
            s = r.summary(name)
            if not s["n"]:
                continue
            cells = "".join(f"<td>{_num(s[k], 1 if '_ms_' in k else 3)}</td>" for k in keys)
            rows.append(
                f"<tr><td class=l>{html.escape(r.label)}</td><td class=l>{html.escape(name)}</td>"
                f"<td>{s['n']}</td><td>{s['errors']}</td>"
                f"<td>{'on' if r.config.get('calibration') else 'off'}</td>{cells}</tr>"
            )
    return "<table>" + "".join(rows) + "</table>"


def _query_table(result: EvalResult) -> str:
    rows = [
        "<tr><th class=l>set</th><th class=l>query</th><th>first rank</th>"
        "<th class=l>relevant ranks</th><th>ms</th><th class=l>ranked first (why)</th></tr>"
    ]
    for q in result.queries:
        top = q.top[0] if q.top else None
        first = (
            ""
            if not top
            else f"{Path(str(top['path'])).name}: {'; '.join(cast(list[str], top['reasons']))}"
        )
        cls = "" if q.first_rank == 1 else " class='l bad'"
        rows.append(
            f"<tr><td class=l>{html.escape(q.set_name)}</td><td{cls or ' class=l'}>"
            f"{html.escape(q.query)}</td><td>{q.first_rank or '-'}</td>"
            f"<td class=l>{q.relevant_ranks}</td><td>{_num(q.latency_ms, 0)}</td>"
            f"<td class=l>{html.escape(q.error or first)}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th class=l>{html.escape(k)}</th><td class=l>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table>{body}</table>"


def _img(png: bytes | None, alt: str) -> str:
    if not png:
        return f"<p>({html.escape(alt)}: nothing to plot)</p>"
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _fmt(v: object) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {val}" for k, val in v.items())
    if isinstance(v, list):
        return "; ".join(map(str, v))
    return str(v)


def _num(v: object, digits: int) -> str:
    return f"{v:.{digits}f}" if isinstance(v, float) else "-"


# --- plots -----------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90)


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def recall_plot(results: Sequence[EvalResult]) -> bytes | None:
    """Recall@K for K = 1..top_k: one panel per query set, one line per configuration."""
    sets = list(dict.fromkeys(s for r in results for s in r.set_names()))
    if not sets:
        return None
    fig = _figure(5.5 * len(sets), 4)
    for n, name in enumerate(sets, 1):
        ax = fig.add_subplot(1, len(sets), n)
        for r in results:
            curve = r.recall_curve(name)
            if curve:
                ax.plot(range(1, len(curve) + 1), curve, marker="o", ms=3, label=r.label)
        ax.set(title=name, xlabel="K", ylabel="Recall@K (hit rate)", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _png(fig)


def score_plot(result: EvalResult) -> bytes | None:
    """Histogram of returned results' fused scores per item kind, relevant vs other."""
    by_kind: dict[str, dict[bool, list[float]]] = {}
    for q in result.evaluated():
        for kind, score, relevant in q.scores:
            by_kind.setdefault(kind, {True: [], False: []})[relevant].append(score)
    if not by_kind:
        return None
    fig = _figure(4 * len(by_kind), 3.2)
    bins = np.linspace(0, 1, 26).tolist()
    for n, (kind, groups) in enumerate(sorted(by_kind.items()), 1):
        ax = fig.add_subplot(1, len(by_kind), n)
        for relevant, colour in ((False, "tab:gray"), (True, "tab:green")):
            if groups[relevant]:
                label = f"{'relevant' if relevant else 'other'} ({len(groups[relevant])})"
                ax.hist(groups[relevant], bins=bins, alpha=0.6, color=colour, label=label)
        ax.set(title=f"{kind} results", xlabel="fused score")
        ax.legend(fontsize=7)
    return _png(fig)


# --- embedding geometry ----------------------------------------------------------------------


def geometry_sections(library: Library, query_texts: Sequence[str]) -> list[str]:
    """Per embedding space: a 2-D projection of every cloud and the gap measures."""
    out = []
    for space, clouds in embedding_clouds(library, query_texts).items():
        clouds = {k: v for k, v in clouds.items() if len(v) >= 2}
        if not clouds:
            continue
        out.append(f"<h3>{html.escape(space)}</h3>")
        out.append(_img(cloud_plot(space, clouds), f"2-D projection of {space}"))
        out.append(gap_table(clouds))
    return out or ["<p>No embeddings in the index.</p>"]


def embedding_clouds(
    library: Library, query_texts: Sequence[str]
) -> dict[str, dict[str, np.ndarray]]:
    """``{space: {cloud name: vectors}}``: item kinds sampled from the catalog, plus the queries
    encoded into that space, plus chunks mapped by a text bridge into their CLIP space."""
    spaces = [s for s in library.catalog.space_dims() if not s.startswith("bridge:")]
    out = {s: _kind_samples(library.catalog, s) for s in spaces}
    text = library.encoders.text()
    clip = library.encoders.clip()
    if query_texts:
        if text is not None and text.space_id in out:
            out[text.space_id]["queries (text)"] = np.asarray(text.encode(list(query_texts)))
        if clip is not None and clip.space_id in out:
            out[clip.space_id]["queries (text)"] = np.asarray(clip.encode_texts(list(query_texts)))
    for clip_space, bridge in library.alignment.bridges.items():
        if clip_space in out:
            chunks = _kind_samples(library.catalog, bridge).get("chunk")
            if chunks is not None:
                out[clip_space]["chunk (via bridge)"] = chunks
    return out


def _kind_samples(catalog: Catalog, space: str) -> dict[str, np.ndarray]:
    rows = catalog.query(
        "SELECT i.kind, e.vector FROM embeddings e JOIN items i ON i.id = e.item_id"
        " WHERE e.space = ? ORDER BY e.item_id",
        (space,),
    )
    by_kind: dict[str, list[bytes]] = {}
    for kind, blob in rows:
        by_kind.setdefault(kind, []).append(blob)
    out = {}
    for kind, blobs in by_kind.items():
        # Evenly spaced (not random) so the same index always gives the same picture.
        pick = np.linspace(0, len(blobs) - 1, min(len(blobs), MAX_PER_KIND)).astype(int)
        out[kind] = np.stack([np.frombuffer(blobs[i], dtype=np.float32) for i in pick])
    return out


def cloud_plot(space: str, clouds: dict[str, np.ndarray]) -> bytes:
    points = project_2d(clouds)
    fig = _figure(6, 5)
    ax = fig.add_subplot(1, 1, 1)
    for name, xy in points.items():
        marker = "*" if name.startswith("queries") else "."
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=30 if marker == "*" else 6,
            marker=marker,
            alpha=0.6,
            label=f"{name} ({len(xy)})",
        )
    ax.set(title=f"{space}: joint PCA", xlabel="PC 1", ylabel="PC 2")
    ax.legend(fontsize=7, markerscale=2)
    return _png(fig)


def gap_table(clouds: dict[str, np.ndarray]) -> str:
    """modality_gap_report for every pair of clouds in one space."""
    head = "".join(f"<th>{k}</th>" for k in GAP_KEYS)
    rows = [f"<tr><th class=l>x</th><th class=l>y</th>{head}</tr>"]
    for a, b in itertools.combinations(clouds, 2):
        rep = modality_gap_report(clouds[a], clouds[b], max_samples=GAP_SAMPLES)
        cells = "".join(f"<td>{rep[k]:.3f}</td>" for k in GAP_KEYS)
        rows.append(
            f"<tr><td class=l>{html.escape(a)}</td><td class=l>{html.escape(b)}</td>{cells}</tr>"
        )
    return "<table>" + "".join(rows) + "</table>"
