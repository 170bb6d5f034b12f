"""REST API: tasks."""

routes: list = []
