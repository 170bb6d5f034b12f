"""REST API: people and involvements."""

routes: list = []
