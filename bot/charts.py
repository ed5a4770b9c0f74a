"""The life wheel as a radar chart PNG (matplotlib, Agg backend: no display needed). CPU-bound: run in a thread."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CURRENT_COLOR = "#7b4dff"
PREVIOUS_COLOR = "#9aa3b5"


def new_figure(**options) -> Figure:
    """A matplotlib figure on the Agg backend. matplotlib (with numpy) is a third of the bot's memory, so it is
    imported with the first chart, not with the bot."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(**options)


def render_wheel_chart(labels: Sequence[str], current: Sequence[int], previous: Sequence[int] | None,
                       *, current_label: str, previous_label: str) -> bytes:
    """A PNG with one axis per area (0..10), the current wheel filled and the previous one dashed."""
    count = len(labels)
    angles = [2 * math.pi * index / count for index in range(count)]
    closed = angles + angles[:1]
    figure = new_figure(figsize=(7, 7), dpi=110)
    axes = figure.add_subplot(projection="polar")
    axes.set_theta_offset(math.pi / 2)
    axes.set_theta_direction(-1)
    axes.set_ylim(0, 10)
    axes.set_yticks([2, 4, 6, 8, 10])
    axes.set_yticklabels(["2", "4", "6", "8", "10"], color="#666666", fontsize=8)
    axes.set_xticks(angles)
    axes.set_xticklabels([textwrap.fill(label, 14) for label in labels], fontsize=10)
    axes.tick_params(axis="x", pad=14)
    if previous is not None:
        axes.plot(closed, [*list(previous), previous[0]], color=PREVIOUS_COLOR, linewidth=1.5, linestyle="--",
                  label=previous_label)
    axes.plot(closed, [*list(current), current[0]], color=CURRENT_COLOR, linewidth=2.2, label=current_label)
    axes.fill(closed, [*list(current), current[0]], color=CURRENT_COLOR, alpha=0.25)
    axes.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), frameon=False)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
