from importlib import import_module

# Each page module lists its own routes; a module not written yet is simply absent.
urlpatterns = []
for name in ("review", "incident", "inactive", "subject_access"):
    try:
        module = import_module(f"retention.views.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"retention.views.{name}":
            raise
        continue
    urlpatterns += module.urlpatterns
