from .views import case, documents, risk, tasks, worksheet

urlpatterns = (
    case.urlpatterns
    + worksheet.urlpatterns
    + tasks.urlpatterns
    + documents.urlpatterns
    + risk.urlpatterns
)
