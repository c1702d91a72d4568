"""Paths of the files shipped with the app (templates, fonts, icons)."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
TEMPLATES_DIR = RESOURCES_DIR / "templates"
FONTS_DIR = RESOURCES_DIR / "fonts"
ICONS_DIR = RESOURCES_DIR / "icons"
