"""Reference lists kept by administrators (SPEC M2): list, add, change, deactivate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from access import policy
from sentinel.forms import add_service_errors

from ..forms import CaseRulesForm
from ..models import CaseRules
from ..services import reference


def _admin_only(request) -> None:
    if not policy.may_maintain_reference_data(request.user):
        raise Http404


def _list(slug: str) -> reference.ReferenceList:
    if slug not in reference.LISTS:
        raise Http404
    return reference.LISTS[slug]


@login_required
def index(request):
    _admin_only(request)
    return render(
        request,
        "incidents/reference/index.html",
        {
            "lists": [(ref, ref.model.objects.count()) for ref in reference.LISTS.values()],
            "rules": CaseRules.current(),
        },
    )


@login_required
def items(request, slug: str):
    _admin_only(request)
    ref = _list(slug)
    return render(
        request,
        "incidents/reference/list.html",
        {
            "ref": ref,
            "rows": [
                (item, [getattr(item, column) for column in ref.columns])
                for item in ref.model.objects.all()
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug: str, pk: int | None = None):
    _admin_only(request)
    ref = _list(slug)
    instance = ref.model.objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    form_class = modelform_factory(ref.model, fields=ref.fields)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            # A fresh copy: the form's instance already holds the submitted values.
            current = ref.model.objects.get(pk=pk) if pk else None
            reference.save_item(
                ref, current, by=request.user, request=request,
                **{name: form.cleaned_data[name] for name in ref.fields},
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{ref.title}: saved.")
            return redirect("reference-list", slug=slug)
    return render(
        request,
        "incidents/reference/form.html",
        {"ref": ref, "form": form, "adding": instance is None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_rules(request):
    _admin_only(request)
    form = CaseRulesForm(request.POST or None, instance=CaseRules.current())
    if request.method == "POST" and form.is_valid():
        try:
            reference.save_case_rules(by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Case rules saved.")
            return redirect("reference-index")
    return render(request, "incidents/reference/rules.html", {"form": form})


urlpatterns = [
    path("reference-data/", index, name="reference-index"),
    path("reference-data/case-rules/", case_rules, name="reference-case-rules"),
    path("reference-data/<slug:slug>/", items, name="reference-list"),
    path("reference-data/<slug:slug>/new/", edit, name="reference-add"),
    path("reference-data/<slug:slug>/<int:pk>/", edit, name="reference-edit"),
]
