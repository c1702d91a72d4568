"""Alembic migrations of the Shopper schema; run from code by `shopper.store.schema`."""
