"""Retention pages (SPEC §13): the review queue, an incident's retention settings, the
inactive-records report (review.py, incident.py, inactive.py) and subject access
(subject_access.py). Each module lists its own `urlpatterns`; retention/urls.py joins them."""
