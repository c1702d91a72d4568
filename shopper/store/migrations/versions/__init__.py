"""One module per schema revision, oldest first (r0001 is the baseline)."""
