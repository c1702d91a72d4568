"""The team database in the app: connecting, and (to come) shops, reviews and the outbox."""
