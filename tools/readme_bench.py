"""Put the latest `make bench` results (bench/results.json) into README.md's Speed table.

Usage: .venv/bin/python tools/readme_bench.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table(data: dict[str, object]) -> str:
    rows = ["| figure | ours | floor | ratio | target | met |", "|---|---:|---:|---:|---|---|"]
    figures = data["figures"]
    assert isinstance(figures, list)
    for f in figures:
        floor = "—" if f["floor_ms"] is None else f"{f['floor_ms']:.1f}"
        ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}"
        met = "yes" if f["met"] else "**no**"
        rows.append(
            f"| {f['name'].strip()} | {f['ours_ms']:.1f} | {floor} | {ratio} "
            f"| {f['target']} | {met} |"
        )
    return "\n".join(rows)


def main() -> None:
    data = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = re.sub(r"\| figure \| ours \|.*?\n\n", table(data) + "\n\n", text, count=1, flags=re.S)
    text = re.sub(
        r"taken \d{4}-\d{2}-\d{2} on a 2-core machine \(Python [\d.]+, SQLite\n[\d.]+\)",
        f"taken {str(data['taken'])[:10]} on a 2-core machine (Python {data['python']}, SQLite\n"
        f"{data['sqlite']})",
        text,
    )
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
