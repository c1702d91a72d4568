"""The template editor: a tree of sections and items, field forms, versions, Try it."""
