"""Placeholder: filled in by its owner."""

routes = []
