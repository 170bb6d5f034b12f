from .views import (
    case,
    closure,
    complaint,
    dashboard,
    documents,
    reference,
    risk,
    tasks,
    worksheet,
)

urlpatterns = (
    case.urlpatterns
    + complaint.urlpatterns
    + worksheet.urlpatterns
    + tasks.urlpatterns
    + documents.urlpatterns
    + risk.urlpatterns
    + reference.urlpatterns
    + closure.urlpatterns
    + dashboard.urlpatterns
)
