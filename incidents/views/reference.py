"""Reference lists kept by administrators (SPEC M2): list, add, change, deactivate."""

from django.contrib.auth.decorators import login_required
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from access import policy
from common.forms import handle_post

from ..forms import CaseRulesForm
from ..models import CaseRules
from ..services import reference


def _admin_only(request, **url_kwargs) -> None:
    if not policy.may_maintain_reference_data(request.user):
        policy.refuse_page(request, url_kwargs, "maintain reference data")


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
    _admin_only(request, slug=slug)
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
    _admin_only(request, pk=pk or slug)
    ref = _list(slug)
    instance = ref.model.objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    form_class = modelform_factory(ref.model, fields=ref.fields)
    form = form_class(request.POST or None, instance=instance)

    def save(data):
        # A fresh copy: the form's instance already holds the submitted values.
        current = ref.model.objects.get(pk=pk) if pk else None
        fields = {name: data[name] for name in ref.fields}
        return reference.save_item(ref, current, by=request.user, **fields)

    return handle_post(
        request,
        form,
        save,
        success=f"{ref.title}: saved.",
        redirect_to=reverse("reference-list", args=[slug]),
    ) or render(
        request,
        "incidents/reference/form.html",
        {"ref": ref, "form": form, "adding": instance is None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_rules(request):
    _admin_only(request)
    form = CaseRulesForm(request.POST or None, instance=CaseRules.current())
    return handle_post(
        request,
        form,
        lambda data: reference.save_case_rules(by=request.user, **data),
        success="Case rules saved.",
        redirect_to="reference-index",
    ) or render(request, "incidents/reference/rules.html", {"form": form})


urlpatterns = [
    path("reference-data/", index, name="reference-index"),
    path("reference-data/case-rules/", case_rules, name="reference-case-rules"),
    path("reference-data/<slug:slug>/", items, name="reference-list"),
    path("reference-data/<slug:slug>/new/", edit, name="reference-add"),
    path("reference-data/<slug:slug>/<int:pk>/", edit, name="reference-edit"),
]
