"""The PySide6 GUI: the only package (with shopper.app) that imports Qt."""
