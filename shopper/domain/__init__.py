"""Pure-Python core: templates, answers, scoring, comparison and instrument metrics.

Nothing here imports Qt or touches a database.
"""
