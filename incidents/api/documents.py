"""REST API: documents."""

routes: list = []
