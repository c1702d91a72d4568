"""Shopper: mystery-shopping audits of a company's touchpoints."""

__version__ = "0.1.0"
