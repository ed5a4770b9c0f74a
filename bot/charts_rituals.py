"""The weekly mood trend as a line chart PNG (matplotlib, Agg backend). CPU-bound: run it in a thread."""
from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from bot.charts import new_figure

MOOD_COLOR = "#7b4dff"
ENERGY_COLOR = "#f2a33a"


def render_mood_chart(day_labels: Sequence[str], mood: Sequence[float | None], energy: Sequence[float | None],
                      *, mood_label: str, energy_label: str, title: str) -> bytes:
    """One point per day (1..10); a day without a score leaves a gap, a lone score still shows as a dot."""
    positions = list(range(len(day_labels)))
    figure = new_figure(figsize=(7, 4), dpi=110)
    axes = figure.add_subplot()
    for values, color, label in ((mood, MOOD_COLOR, mood_label), (energy, ENERGY_COLOR, energy_label)):
        if all(value is None for value in values):
            continue
        points = [float("nan") if value is None else value for value in values]
        axes.plot(positions, points, color=color, linewidth=2.2, marker="o", markersize=7, label=label)
    axes.set_ylim(0.5, 10.5)
    axes.set_yticks([1, 3, 5, 7, 10])
    axes.set_xticks(positions)
    axes.set_xticklabels(day_labels, fontsize=10)
    axes.set_xlim(-0.5, len(day_labels) - 0.5)
    axes.grid(axis="y", color="#e4e4ee")
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, fontsize=12)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower left", frameon=False)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
