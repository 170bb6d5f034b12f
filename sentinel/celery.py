"""The Celery application.

With REDIS_URL set, tasks go through Redis to a worker (`make worker`). Without it, settings
turn on `task_always_eager`, so tasks run in the web process and a laptop needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sentinel.settings")

app = Celery("sentinel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
