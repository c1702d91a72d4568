"""The schema's revisions, read off the migration scripts' text (no Alembic, no SQLAlchemy):
start-up asks whether a file is at the newest revision before the database layer is
imported (`shopper.store.glance`); `shopper.store.schema` migrates."""

from __future__ import annotations

import ast
import contextlib
import functools
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@functools.cache
def _revision_graph(location: Path) -> dict[str, tuple[str, ...]]:
    """Each migration's revision and the revisions it revises, read from the scripts'
    `revision` and `down_revision` assignments without importing them (nor Alembic); a
    test keeps this equal to what Alembic reads."""
    graph: dict[str, tuple[str, ...]] = {}
    for script in sorted((location / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            target: ast.expr
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            else:
                continue
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):
                    values[target.id] = ast.literal_eval(value)
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            downs = [down] if isinstance(down, str) else list(down or ())  # type: ignore[call-overload]
            graph[revision] = tuple(str(d) for d in downs)
    return graph


def head_revision(location: Path = MIGRATIONS_DIR) -> str:
    graph = _revision_graph(location)
    revised = {down for downs in graph.values() for down in downs}
    heads = [revision for revision in graph if revision not in revised]
    assert len(heads) == 1, f"expected one head revision, found {heads}"
    return heads[0]


def known_revisions(location: Path = MIGRATIONS_DIR) -> set[str]:
    return set(_revision_graph(location))
