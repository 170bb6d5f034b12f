"""REST API: worksheet."""

routes: list = []
