"""The week picture: seven day columns with the hours down the side, planned steps in colour and the calendar's
other events in grey (matplotlib, Agg backend). CPU-bound: run it in a thread."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from bot.charts import new_figure

STEP_COLOR = "#7b4dff"
EVENT_COLOR = "#c5cad6"
GRID_COLOR = "#e6e8ee"
TODAY_COLOR = "#f4f0ff"
DEFAULT_FIRST_HOUR = 8
DEFAULT_LAST_HOUR = 21


@dataclass(frozen=True)
class ChartBlock:
    day: int  # 0..6: the column
    start_hour: float  # local wall time, 9.5 = 09:30
    end_hour: float
    label: str
    planned_step: bool


def render_week_chart(day_labels: Sequence[str], blocks: Sequence[ChartBlock], *, title: str,
                      highlight_day: int | None = None) -> bytes:
    """A PNG of one week; the hour range grows to show every block (at least 08:00–21:00)."""
    if len(day_labels) != 7:
        raise ValueError("a week has seven day labels")
    first = min([DEFAULT_FIRST_HOUR, *(math.floor(b.start_hour) for b in blocks)])
    last = max([DEFAULT_LAST_HOUR, *(math.ceil(b.end_hour) for b in blocks)])
    figure = new_figure(figsize=(10, 7), dpi=100)
    from matplotlib.patches import FancyBboxPatch  # after new_figure, which loads matplotlib on the first chart

    axes = figure.add_subplot()
    axes.set_xlim(0, 7)
    axes.set_ylim(last, first)  # the morning on top, like a paper diary
    axes.set_xticks([index + 0.5 for index in range(7)])
    axes.set_xticklabels(day_labels, fontsize=10)
    axes.xaxis.tick_top()
    axes.set_yticks(range(first, last + 1))
    axes.set_yticklabels([f"{hour:02d}:00" for hour in range(first, last + 1)], fontsize=8, color="#666666")
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    for hour in range(first, last + 1):
        axes.axhline(hour, color=GRID_COLOR, linewidth=0.8, zorder=0)
    for column in range(8):
        axes.axvline(column, color=GRID_COLOR, linewidth=0.8, zorder=0)
    if highlight_day is not None and 0 <= highlight_day < 7:
        axes.axvspan(highlight_day, highlight_day + 1, color=TODAY_COLOR, zorder=0)
    for block in blocks:
        if not 0 <= block.day < 7 or block.end_hour <= block.start_hour:
            continue
        height = block.end_hour - block.start_hour
        color = STEP_COLOR if block.planned_step else EVENT_COLOR
        axes.add_patch(FancyBboxPatch((block.day + 0.06, block.start_hour), 0.88, height,
                                      boxstyle="round,pad=0,rounding_size=0.05", linewidth=0,
                                      facecolor=color, alpha=0.9 if block.planned_step else 0.8, zorder=2))
        lines = max(1, min(3, int(height * 2.2)))
        label = textwrap.shorten(block.label, width=16 * lines, placeholder="…")
        axes.text(block.day + 0.5, block.start_hour + height / 2, textwrap.fill(label, 16),
                  ha="center", va="center", fontsize=7, zorder=3, clip_on=True,
                  color="white" if block.planned_step else "#333333")
    axes.set_title(title, fontsize=13, pad=28)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
