"""REST API: risk."""

routes: list = []
