"""A comparison of two runs as text (terminal) and as an HTML report with embedded charts."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

from evals.comparison import MetricDelta
from evals.records import EvalRun


def text_table(a: EvalRun, b: EvalRun, rows: Sequence[MetricDelta]) -> str:
    """Side-by-side metrics with deltas and 95% CIs; `*` marks an interval excluding zero."""
    lines = [
        f"A {str(a.id)[:8]}  {a.suite}  {_describe(a)}",
        f"B {str(b.id)[:8]}  {b.suite}  {_describe(b)}",
        "",
        f"{'metric':<28}{'A':>10}{'B':>10}{'B-A':>10}   95% CI            n",
    ]
    for r in rows:
        mark = "*" if r.significant else " "
        lines.append(
            f"{r.metric:<28}{_num(r.a):>10}{_num(r.b):>10}{_num(r.delta, '+'):>10}{mark}  "
            f"[{_num(r.low, '+')}, {_num(r.high, '+')}]  {r.items}"
        )
    return "\n".join(lines)


def _num(value: float, sign: str = "") -> str:
    """Four decimals for rates, whole numbers for big quantities such as milliseconds."""
    return f"{value:{sign}.0f}" if abs(value) >= 1000 else f"{value:{sign}.4f}"


def _describe(run: EvalRun) -> str:
    prompts = ",".join(sorted(set(run.prompts.values()))) if run.prompts else "-"
    return f"model={run.model_id} prompts={prompts} commit={run.git_commit} items={run.item_count}"


def _chart_png(a: EvalRun, b: EvalRun, rows: Sequence[MetricDelta]) -> tuple[str, str]:
    """Two PNGs (base64): the metrics side by side, and the deltas with their CIs."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    names = [r.metric for r in rows]
    positions = range(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 1.1), 3.6))
    ax.bar([p - 0.2 for p in positions], [r.a for r in rows], 0.4, label=f"A {str(a.id)[:8]}")
    ax.bar([p + 0.2 for p in positions], [r.b for r in rows], 0.4, label=f"B {str(b.id)[:8]}")
    ax.set_xticks(list(positions), names, rotation=30, ha="right")
    ax.set_xlim(-0.75, len(rows) - 0.25)
    ax.set_title("Metrics, A and B")
    ax.legend()
    first = _png(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 1.1), 3.6))
    errors = [[r.delta - r.low for r in rows], [r.high - r.delta for r in rows]]
    colours = [
        "tab:green" if r.significant and r.delta > 0 else "tab:red" if r.significant else "tab:gray"
        for r in rows
    ]
    ax.bar(list(positions), [r.delta for r in rows], 0.5, yerr=errors, color=colours, capsize=4)
    ax.set_xlim(-0.75, len(rows) - 0.25)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(list(positions), names, rotation=30, ha="right")
    ax.set_title("B − A with 95% paired-bootstrap CI (green/red: significant)")
    second = _png(fig)
    plt.close(fig)
    return first, second


def _png(fig: object) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode()


def write_html(a: EvalRun, b: EvalRun, rows: Sequence[MetricDelta], folder: Path) -> Path:
    """The report file under `folder`; returns its path."""
    # Charts show rates (0..1); latencies and counts would flatten them, so they stay in the table.
    rates = [r for r in rows if max(abs(r.a), abs(r.b)) <= 1.0] or list(rows)
    metrics_png, deltas_png = _chart_png(a, b, rates)
    cells = "".join(
        f"<tr><td>{html.escape(r.metric)}</td><td>{r.a:.4f}</td><td>{r.b:.4f}</td>"
        f"<td>{r.delta:+.4f}</td><td>[{r.low:+.4f}, {r.high:+.4f}]</td>"
        f"<td>{'yes' if r.significant else 'no'}</td><td>{r.items}</td></tr>"
        for r in rows
    )
    body = f"""<!doctype html><meta charset="utf-8"><title>Eval comparison</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}
td,th{{padding:4px 10px;text-align:right}}td:first-child{{text-align:left}}</style>
<h1>{html.escape(a.suite)}: A vs B</h1>
<p><b>A</b> {html.escape(str(a.id))}: {html.escape(_describe(a))}<br>
<b>B</b> {html.escape(str(b.id))}: {html.escape(_describe(b))}</p>
<table><tr><th>metric</th><th>A</th><th>B</th><th>B−A</th><th>95% CI</th>
<th>significant</th><th>items</th></tr>{cells}</table>
<img alt="metrics" src="data:image/png;base64,{metrics_png}">
<img alt="deltas" src="data:image/png;base64,{deltas_png}">
"""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"compare-{str(a.id)[:8]}-{str(b.id)[:8]}.html"
    path.write_text(body, encoding="utf-8")
    return path
