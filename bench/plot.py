"""The results table as a chart: each benchmark's ratio against its target (bench/results/*.png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(rows: list[dict], path: Path) -> None:
    names = [r["benchmark"] for r in rows][::-1]
    ratios = [r["ratio"] for r in rows][::-1]
    targets = [r["target"] for r in rows][::-1]
    colours = ["#2e7d32" if r >= t else "#c62828" for r, t in zip(ratios, targets, strict=True)]
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(rows) + 1.2))
    ax.barh(names, ratios, color=colours)
    for y, target in enumerate(targets):
        ax.plot([target, target], [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.set_xscale("log")
    ax.set_xlabel("ratio to the raw PostgreSQL baseline (or small/large history); bar = measured, tick = target")
    ax.set_title("Ledger benchmarks: green met, red not met")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
