"""The team database a data folder works with: `team.json` beside the local database.

Written by `shopper team connect URL` and by the app's Team › Connect to team database… and
Team › Link this data folder…, read by them, by `shopper sync` and by the app's sync. It holds
what the user typed (a URL without a password, or a `pg_service.conf` service name) and the
sslmode chosen: never a password, which comes from ~/.pgpass, PGPASSWORD or the user each time.

    {"format": 1, "target": "postgresql://jan@db.example.com/shopper", "sslmode": "require"}
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from shopper.domain.errors import ShopperError
from shopper.store.connect import TeamTarget

LINK_FILE = "team.json"
FORMAT = 1
MAX_BYTES = 64 * 1024


def link_path(data_dir: Path) -> Path:
    return data_dir / LINK_FILE


def load_link(data_dir: Path) -> TeamTarget | None:
    """The team database this data folder is linked to, or None.

    Raises:
        ShopperError: the file is there but not one Shopper wrote (named, with why).
    """
    path = link_path(data_dir)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ShopperError(f"{path}: too large for a team link ({MAX_BYTES:,} bytes at most)")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShopperError(f"{path}: not a team link Shopper can read ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ShopperError(f"{path}: not a team link of format {FORMAT}")
    target, sslmode = data.get("target"), data.get("sslmode", "")
    if not isinstance(target, str) or not isinstance(sslmode, str):
        raise ShopperError(f"{path}: target and sslmode must be text")
    try:
        return TeamTarget.parse(target, sslmode)
    except ShopperError as exc:
        raise ShopperError(f"{path}: {exc}") from exc


def save_link(data_dir: Path, target: TeamTarget) -> Path:
    """Remember the team database (private to the user, written whole or not at all)."""
    path = link_path(data_dir)
    text = json.dumps({"format": FORMAT, "target": target.text, "sslmode": target.sslmode})
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".team-", suffix=".json", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def forget_link(data_dir: Path) -> bool:
    """Unlink the data folder from its team database; False if it was not linked."""
    try:
        link_path(data_dir).unlink()
    except FileNotFoundError:
        return False
    return True
