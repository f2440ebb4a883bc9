"""PNG charts. Rendering takes tens of milliseconds of CPU, so callers run it in a thread
(`render_in_thread`) and the event loop keeps serving other people meanwhile."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass

ACCENT = "#2e7d5b"
MUTED = "#b7c9bf"


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    labels: Sequence[str]
    values: Sequence[float]
    maximum: float
    highlighted: frozenset[int] = frozenset()  # indexes drawn in the accent colour


def render_bar_chart(chart: BarChart) -> bytes:
    """A horizontal bar chart as PNG bytes (no global pyplot state: safe in threads)."""
    # Imported on first use: matplotlib takes a noticeable part of a second to load, and
    # start-up should not wait for it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure = Figure(figsize=(8, 0.6 * len(chart.labels) + 1.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.labels)))[::-1]
    colours = [ACCENT if i in chart.highlighted else MUTED for i in range(len(chart.labels))]
    axes.barh(positions, chart.values, color=colours, height=0.6)
    axes.set_yticks(positions, labels=list(chart.labels), fontsize=12)
    axes.set_xlim(0, chart.maximum * 1.08)  # room for the value next to a full bar
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(chart.title, fontsize=14, loc="left")
    for position, value in zip(positions, chart.values, strict=True):
        axes.text(value + chart.maximum * 0.01, position, f"{value:g}", va="center", fontsize=11)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def render_in_thread(chart: BarChart) -> bytes:
    return await asyncio.to_thread(render_bar_chart, chart)
