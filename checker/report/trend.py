"""The trend chart of a history of runs, drawn as inline SVG (no chart library, nothing fetched)."""

from __future__ import annotations

from html import escape

from checker.models import HistoryPoint

WIDTH, HEIGHT, PAD = 640, 180, 34
COLORS = {"passed": "#2e8b57", "failed": "#c0392b", "error": "#d68910", "errors": "#7b241c", "warnings": "#9a7d0a"}


def trend_svg(points: list[HistoryPoint]) -> str:
    """Stacked bars: scenarios passed / failed / errored per run; lines: error and warning findings."""
    if len(points) < 2:
        return ""
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    slot = plot_w / len(points)
    top_scenarios = max(p.passed + p.failed + p.error for p in points) or 1
    top_findings = max(max(p.violations.get("error", 0), p.violations.get("warning", 0)) for p in points) or 1
    parts = [
        f'<svg class="trend" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="trend-title"><title id="trend-title">Verdicts and findings over the last '
        f"{len(points)} runs</title>"
    ]
    for i, p in enumerate(points):
        parts.extend(_bar(i, p, slot, plot_h, top_scenarios))
    for key, color in (("error", COLORS["errors"]), ("warning", COLORS["warnings"])):
        coords = " ".join(
            f"{PAD + slot * (i + 0.5):.1f},{PAD + plot_h - plot_h * p.violations.get(key, 0) / top_findings:.1f}"
            for i, p in enumerate(points)
        )
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(points[0].started_at[:16])}</text>')
    parts.append(
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">{escape(points[-1].started_at[:16])}</text>'
    )
    parts.append(
        f'<text x="{PAD}" y="{PAD - 10}" font-size="11">bars: scenarios passed / failed / errored · lines: '
        f"error findings (max {top_findings}) and warnings</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _bar(i: int, p: HistoryPoint, slot: float, plot_h: float, top: int) -> list[str]:
    x, width = PAD + slot * i + slot * 0.2, slot * 0.6
    y = PAD + plot_h
    out = []
    for name in ("passed", "failed", "error"):
        count = getattr(p, name)
        if not count:
            continue
        height = plot_h * count / top
        y -= height
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{COLORS[name]}">'
            f"<title>{escape(p.started_at)}: {count} {name}</title></rect>"
        )
    return out
