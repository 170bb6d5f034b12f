from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Search, ad-hoc reporting, exports, printing, hotspots and statistics (SPEC S1-S5)."""

    name = "reports"
    verbose_name = "Search and reports"
