from django.conf import settings


def service(request):
    """The service name and the deployment's labels for protective markings (SPEC C7)."""
    labels = settings.MARKING_LABELS[settings.MARKING_SCHEME]
    return {
        "service_name": settings.SERVICE_NAME,
        "marking_labels": labels,
        # Pages that show no case data are marked at the deployment's default level; pages
        # that show records set `protective_marking` to the highest marking among them.
        "default_marking": "restricted",
    }
