"""Connecting to a team database, for the app (which imports nothing from `store`): what the
user types, the password the server asks for, and what the status bar says. See
`shopper.store.connect` for how it follows libpq's conventions."""

from shopper.store.connect import (
    SSL_MODES,
    ConnectionFacts,
    PasswordNeededError,
    TeamTarget,
    shown_url,
)

__all__ = ["SSL_MODES", "ConnectionFacts", "PasswordNeededError", "TeamTarget", "shown_url"]
