"""The compare window: repeated audits of a company at a touchpoint, item by item."""
