from .views import (
    case,
    closure,
    dashboard,
    documents,
    reference,
    risk,
    tasks,
    worksheet,
)

urlpatterns = (
    case.urlpatterns
    + worksheet.urlpatterns
    + tasks.urlpatterns
    + documents.urlpatterns
    + risk.urlpatterns
    + reference.urlpatterns
    + closure.urlpatterns
    + dashboard.urlpatterns
)
