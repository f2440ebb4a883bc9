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


@dataclass(frozen=True, slots=True)
class StatsChart:
    days_title: str
    days: Sequence[str]  # one label per day, the oldest first
    new_per_day: Sequence[int]
    funnel_title: str
    funnel_labels: Sequence[str]
    funnel_values: Sequence[int]


def render_stats_chart(chart: StatsChart) -> bytes:
    """New people per day above, the funnel below, as PNG bytes (safe in threads)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure = Figure(figsize=(9, 8), dpi=100)
    FigureCanvasAgg(figure)
    days, funnel = figure.subplots(2, 1)

    positions = list(range(len(chart.days)))
    days.bar(positions, chart.new_per_day, color=ACCENT, width=0.7)
    step = max(1, len(positions) // 10)  # about ten date labels, today's always among them
    ticks = positions[::-step][::-1]
    days.set_xticks(ticks, labels=[chart.days[i] for i in ticks], fontsize=10)
    days.set_ylim(0, max([*chart.new_per_day, 1]) * 1.15)  # an empty month still has an axis
    days.yaxis.set_major_locator(MaxNLocator(integer=True))
    days.set_title(chart.days_title, fontsize=14, loc="left")

    rows = list(range(len(chart.funnel_labels)))[::-1]
    top = max([*chart.funnel_values, 1])
    funnel.barh(rows, chart.funnel_values, color=ACCENT, height=0.6)
    funnel.set_yticks(rows, labels=list(chart.funnel_labels), fontsize=12)
    funnel.set_xlim(0, top * 1.12)  # room for the value next to the longest bar
    funnel.xaxis.set_major_locator(MaxNLocator(integer=True))
    funnel.set_title(chart.funnel_title, fontsize=14, loc="left")
    for row, value in zip(rows, chart.funnel_values, strict=True):
        funnel.text(value + top * 0.01, row, str(value), va="center", fontsize=11)

    for axes in (days, funnel):
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def render_stats_in_thread(chart: StatsChart) -> bytes:
    return await asyncio.to_thread(render_stats_chart, chart)
