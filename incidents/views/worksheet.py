"""worksheet pages."""

urlpatterns: list = []
