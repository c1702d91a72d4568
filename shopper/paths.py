"""Where Shopper keeps its data: light enough to import before anything else."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Shopper"
DB_FILENAME = "shopper.db"
"""The database file in a data folder."""


def default_data_dir() -> Path:
    """`SHOPPER_DATA_DIR`, else the user's data folder (platformdirs)."""
    env = os.environ.get("SHOPPER_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
