"""Merging duplicate people, and undoing a merge (SPEC P2): administrators only."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access import policy
from common.forms import handle_post

from . import queries, services
from .forms import (
    MergeConfirmForm,
    MergePickForm,
    PersonSearchForm,
    UndoMergeForm,
)
from .merging import merge_reasons
from .models import Involvement, Person
from .views import _people_marking, _summary, person_rows


def _pair(user, form) -> tuple[Person, Person] | None:
    """The two people of a valid pick form, if the administrator can see both."""
    found = {
        p.pk: p
        for p in policy.visible_people(user).filter(
            pk__in=[form.cleaned_data["keep"], form.cleaned_data["duplicate"]]
        )
    }
    for field in ("keep", "duplicate"):
        person = found.get(form.cleaned_data[field])
        if person is None:
            form.add_error(field, "There is no person you can see with this number")
        elif person.merged_into_id:
            form.add_error(field, "This record has already been merged")
    if form.errors:
        return None
    return found[form.cleaned_data["keep"]], found[form.cleaned_data["duplicate"]]


def _side_by_side(user, keep: Person, duplicate: Person) -> dict:
    rows = [
        {"label": label, "values": [kept, other], "differ": kept != other}
        for (label, kept), (_, other) in zip(
            person_rows(keep), person_rows(duplicate), strict=True
        )
    ]
    visible = policy.visible_incidents(user).values("pk")
    involvements = defaultdict(list)
    for involvement in (
        Involvement.objects.filter(person__in=[keep, duplicate], incident__in=visible)
        .select_related("incident")
        .order_by("incident__urn", "role")
    ):
        involvements[involvement.person_id].append(involvement)
    return {
        "rows": rows,
        "keep_involvements": involvements[keep.pk],
        "duplicate_involvements": involvements[duplicate.pk],
    }


@login_required
@require_http_methods(["GET", "POST"])
def people_merge(request):
    user = request.user
    if not policy.may_merge_people(user):
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    search = PersonSearchForm(request.POST if action == "search" else None, prefix="search")
    pick = MergePickForm(request.POST if action == "compare" else None, prefix="pick")
    matches = None
    if action == "search" and search.is_valid():
        matches = services.search_people(
            user,
            purpose="Looking for duplicate records to merge",
            limit=20,
            **search.cleaned_data,
        )
    if action == "compare" and pick.is_valid():
        pair = _pair(user, pick)
        if pair:
            confirm = MergeConfirmForm(
                initial={"keep": pair[0].pk, "duplicate": pair[1].pk}, prefix="confirm"
            )
            return _confirm_merge(request, confirm, *pair)
    if action == "merge":
        confirm = MergeConfirmForm(request.POST, prefix="confirm")
        if confirm.is_valid():
            pair = _pair(user, confirm)
            if pair is None:
                # Merged or out of sight since they compared them: back to choosing.
                return _pick_again(request, confirm)
            keep, duplicate = pair
            return handle_post(
                request,
                confirm,
                lambda data: services.merge_people(
                    keep, duplicate, by=user, reason=data["reason"]
                ),
                success=f"Person {duplicate.pk} has been merged into this record.",
                redirect_to=reverse("person-detail", args=[keep.pk]),
            ) or _confirm_merge(request, confirm, keep, duplicate)
        keep_id, duplicate_id = confirm["keep"].value(), confirm["duplicate"].value()
        people = {
            str(p.pk): p
            for p in policy.visible_people(user).filter(
                pk__in=[v for v in (keep_id, duplicate_id) if str(v).isdigit()]
            )
        }
        if str(keep_id) in people and str(duplicate_id) in people:
            return _confirm_merge(
                request, confirm, people[str(keep_id)], people[str(duplicate_id)]
            )
        raise Http404
    return render(
        request,
        "people/merge.html",
        {
            "search": search,
            "pick": pick,
            "matches": matches,
            "errors": _summary(search if action == "search" else pick),
            "protective_marking": _people_marking(user, [m.person.pk for m in matches or []]),
        },
    )


def _pick_again(request, confirm):
    pick = MergePickForm(
        {
            "pick-keep": confirm["keep"].value(),
            "pick-duplicate": confirm["duplicate"].value(),
        },
        prefix="pick",
    )
    if pick.is_valid():
        _pair(request.user, pick)
    return render(
        request,
        "people/merge.html",
        {
            "search": PersonSearchForm(prefix="search"),
            "pick": pick,
            "matches": None,
            "errors": _summary(pick),
        },
    )


def _confirm_merge(request, form, keep, duplicate):
    return render(
        request,
        "people/merge_confirm.html",
        {
            "form": form,
            "keep": keep,
            "duplicate": duplicate,
            "compare": _side_by_side(request.user, keep, duplicate),
            "errors": _summary(form),
            "protective_marking": _people_marking(request.user, [keep.pk, duplicate.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_merge_undo(request, pk: int):
    """Undo a merge: `pk` is the record that was merged away. Reached from the page of the
    record it was merged into, so that record must be one the administrator can see."""
    user = request.user
    duplicate = queries.get_merged_person_for_user(user, pk, request=request)
    merge = services.latest_merge(duplicate)
    form = UndoMergeForm(request.POST if request.method == "POST" else None)

    def undo(data):
        keep = duplicate.merged_into  # before the undo clears it
        services.undo_merge(duplicate, by=user, reason=data["reason"])
        return keep

    return handle_post(
        request,
        form,
        undo,
        success=f"The merge of person {duplicate.pk} has been undone.",
        redirect_to=lambda keep: reverse("person-detail", args=[keep.pk]),
    ) or render(
        request,
        "people/merge_undo.html",
        {
            "duplicate": duplicate,
            "keep": duplicate.merged_into,
            "merge": merge,
            "merge_reason": merge_reasons([merge])[merge.pk] if merge else "",
            "link_count": (
                len(merge.details["involvements"]) + len(merge.details["folded"]) if merge else 0
            ),
            "consent_count": len(merge.details["consents"]) if merge else 0,
            "form": form,
            "protective_marking": _people_marking(user, [duplicate.merged_into_id]),
        },
    )
