"""Each benchmark appends its figures as JSON lines to $BENCH_RESULTS (when set); `make bench` prints one table.

A line: {"figure", "bare", "mechta", "ratio", "goal", "met"} — strings for the numbers as shown, `met` true/false
or null when there is no goal.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def record(figure: str, *, bare: str = "—", mechta: str, ratio: str = "—", goal: str = "—",
           met: bool | None = None) -> None:
    line = {"figure": figure, "bare": bare, "mechta": mechta, "ratio": ratio, "goal": goal, "met": met}
    target = os.environ.get("BENCH_RESULTS")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def print_table(path: Path) -> None:
    """Print the collected figures as one Markdown table, and which goals are not met."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        print("no figures were recorded")
        return
    header = ("figure", "bare", "Mechta", "ratio", "goal", "met?")
    cells = [header] + [(r["figure"], r["bare"], r["mechta"], r["ratio"], r["goal"],
                         "—" if r["met"] is None else ("yes" if r["met"] else "NO")) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
             for row in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    print("\n".join(lines))
    missed = [r["figure"] for r in rows if r["met"] is False]
    print(f"goals not met: {'; '.join(missed)}" if missed else "every goal met")


if __name__ == "__main__":
    print_table(Path(sys.argv[1]))
