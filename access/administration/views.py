"""User administration (M1, G4) and partner suspension (T4).

Who may do what is asked of access/policy/: pages answer 404 to anyone who may not use
them and for users or partners out of the administrator's reach (logged, V5). Every change
goes through services.py, which records it in the audit trail.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from access.models import User
from common.forms import add_service_errors, handle_post

from . import forms, queries, services

PAGE_SIZE = 50


def administrators_only(view):
    """404 for anyone who may not administer users (V5: the pages do not exist for them)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.may_administer_users(request.user):
            policy.refuse_page(request, kwargs, "administer")
        return view(request, *args, **kwargs)

    return wrapper


def partner_administrators_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.may_suspend_partners(request.user):
            policy.refuse_page(request, kwargs, "suspend partners")
        return view(request, *args, **kwargs)

    return wrapper


def _posted(request):
    """The submitted data, or None for a GET (an empty POST still binds the form, so that
    it says what is missing)."""
    return request.POST if request.method == "POST" else None


def _user_to_change(request, pk) -> User:
    return policy.get_user_to_change(request.user, pk, request=request)


def _user_page(user) -> str:
    return reverse("admin-user", args=[user.pk])


@administrators_only
def index(request):
    return render(
        request,
        "access/administration/index.html",
        {"may_suspend_partners": policy.may_suspend_partners(request.user)},
    )


# --- Users ---------------------------------------------------------------------------------------


@administrators_only
def users(request):
    administrator = request.user
    filters = forms.UserFilterForm(request.GET or None, administrator=administrator)
    listed = queries.with_lockout(
        policy.manageable_users(administrator).select_related("organisation")
    ).order_by("organisation__name", "last_name", "first_name", "username")
    chosen = {}
    if filters.is_bound and filters.is_valid():
        chosen = {name: value for name, value in filters.cleaned_data.items() if value}
        if "organisation" in chosen:
            listed = listed.filter(organisation=chosen["organisation"])
        if "group" in chosen:
            listed = listed.filter(group=chosen["group"])
        status = chosen.get("status")
        if status == "enabled":
            listed = listed.filter(is_active=True)
        elif status == "disabled":
            listed = listed.filter(is_active=False)
        elif status == "locked":
            listed = listed.filter(**queries.locked_filter())
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    for user in page.object_list:
        user.locked = queries.is_locked(user)
    # Pagination keeps the filters (ids and codes only).
    query = urlencode(
        {name: value.pk if hasattr(value, "pk") else value for name, value in chosen.items()}
    )
    return render(
        request,
        "access/administration/users.html",
        {
            "filters": filters,
            "page": page,
            "filter_query": f"{query}&" if query else "",
            "filtered": bool(chosen),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_add(request):
    form = forms.CreateUserForm(_posted(request), administrator=request.user)
    return handle_post(
        request,
        form,
        lambda data: services.create_user(
            by=request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            organisation=form.chosen_organisation(),
            group=data["group"],
            training_level=data["training_level"],
            analyst_can_add_and_amend=data["analyst_can_add_and_amend"],
            manages_all_organisations=data.get("manages_all_organisations", False),
        ),
        success=lambda user: (
            f"{user} has been created, disabled until you confirm their code of "
            "connection and enable them."
        ),
        redirect_to=_user_page,
    ) or render(
        request,
        "access/administration/user_form.html",
        {"form": form, "adding": True, "organisation": request.user.organisation},
    )


@administrators_only
def user_detail(request, pk):
    user = policy.get_user_for_administrator(request.user, pk, request=request)
    user = (
        queries.with_lockout(User.objects.filter(pk=user.pk))
        .select_related("organisation", "code_of_connection_confirmed_by")
        .get()
    )
    return render(
        request,
        "access/administration/user.html",
        {
            "subject": user,
            "locked": queries.is_locked(user),
            "locked_until": queries.locked_until(user),
            "two_factor": queries.has_two_factor(user),
            "may_change": policy.may_change_account(request.user, user),
            "is_self": user.pk == request.user.pk,
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    user = _user_to_change(request, pk)
    conflict = None
    form = forms.EditUserForm(_posted(request), user=user, administrator=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_user(
                user,
                by=request.user,
                original=form.cleaned_data["original"],
                **form.changes(),
            )
        except services.StaleUserEdit as stale:
            conflict = stale.changes
            # Keep everything typed; the next save is made knowingly over the changes.
            current = User.objects.get(pk=user.pk)
            form.data = form.data.copy()
            form.data["original"] = services.snapshot(current)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            if changed:
                messages.success(request, f"{user}'s details have been changed.")
            else:
                messages.info(request, f"Nothing was changed: {user}'s details are as before.")
            return redirect("admin-user", pk=user.pk)
    return render(
        request,
        "access/administration/user_form.html",
        {"form": form, "adding": False, "subject": user, "conflict": conflict},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_enable(request, pk):
    user = _user_to_change(request, pk)
    if user.is_active:
        messages.info(request, f"{user} is already enabled.")
        return redirect("admin-user", pk=user.pk)
    form = forms.EnableUserForm(_posted(request), user=user)

    def enabled_message(_enabled) -> str:
        if not user.has_usable_password():
            return f"{user} is enabled. They have no password yet: set one for them now."
        return f"{user} is enabled."

    def onward(enabled) -> str:
        if enabled and not user.has_usable_password():
            return reverse("admin-user-password", args=[user.pk])
        return _user_page(user)

    return handle_post(
        request,
        form,
        lambda data: services.enable_user(
            user,
            by=request.user,
            code_of_connection_signed=data["code_of_connection_signed"],
            training_level=data["training_level"],
        ),
        success=enabled_message,
        unchanged=f"{user} is already enabled.",
        redirect_to=onward,
    ) or render(request, "access/administration/user_enable.html", {"form": form, "subject": user})


@administrators_only
@require_http_methods(["GET", "POST"])
def user_disable(request, pk):
    user = _user_to_change(request, pk)
    if not user.is_active:
        messages.info(request, f"{user} is already disabled.")
        return redirect("admin-user", pk=user.pk)
    form = forms.DisableUserForm(_posted(request))
    is_self = user.pk == request.user.pk
    return handle_post(
        request,
        form,
        lambda data: services.disable_user(user, by=request.user, reason=data["reason"]),
        success=f"{user} is disabled and has been signed out.",
        unchanged=f"{user} is already disabled.",
        redirect_to=_user_page(user),
    ) or render(
        request,
        "access/administration/user_disable.html",
        {"form": form, "subject": user, "is_self": is_self},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_password(request, pk):
    user = _user_to_change(request, pk)
    form = forms.SetPasswordForm(_posted(request), user=user)
    return handle_post(
        request,
        form,
        lambda data: services.set_password(user, by=request.user, password=data["password"]),
        success=(
            f"A new password is set for {user}. Tell them it in a secure way: they must "
            "change it when they next sign in."
        ),
        redirect_to=_user_page(user),
    ) or render(
        request,
        "access/administration/user_password.html",
        {"form": form, "subject": user, "is_self": user.pk == request.user.pk},
    )


@administrators_only
@require_POST
def user_unlock(request, pk):
    user = _user_to_change(request, pk)
    try:
        unlocked = services.unlock_account(user, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    if unlocked:
        messages.success(request, f"{user}'s account is unlocked: they can sign in again.")
    else:
        messages.info(request, f"{user}'s account was not locked.")
    return redirect("admin-user", pk=user.pk)


@administrators_only
@require_http_methods(["GET", "POST"])
def user_reset_two_factor(request, pk):
    user = _user_to_change(request, pk)
    form = forms.ResetTwoFactorForm(_posted(request))
    return handle_post(
        request,
        form,
        lambda data: services.reset_two_factor(user, by=request.user, reason=data["reason"]),
        success=(
            f"Two-factor authentication is reset for {user}. They set it up again when "
            "they next sign in."
        ),
        redirect_to=_user_page(user),
    ) or render(
        request,
        "access/administration/user_two_factor.html",
        {"form": form, "subject": user, "two_factor": queries.has_two_factor(user)},
    )


# --- Partners (T4) -------------------------------------------------------------------------------


@partner_administrators_only
def partners(request):
    now = timezone.now()
    suspendable = set(policy.suspendable_organisations(request.user).values_list("pk", flat=True))
    organisations = list(
        policy.manageable_organisations(request.user)
        .annotate(user_count=Count("users"))
        .order_by("name")
    )
    for organisation in organisations:
        organisation.suspended_now = organisation.is_suspended(now)
        organisation.suspension_planned = (
            services.has_suspension(organisation, now) and not organisation.suspended_now
        )
        organisation.may_suspend = organisation.pk in suspendable
    return render(request, "access/administration/partners.html", {"organisations": organisations})


@partner_administrators_only
@require_http_methods(["GET", "POST"])
def partner_suspend(request, pk):
    organisation = policy.get_organisation_for_suspension(request.user, pk, request=request)
    form = forms.SuspendPartnerForm(_posted(request))
    return handle_post(
        request,
        form,
        lambda data: services.suspend_organisation(
            organisation,
            by=request.user,
            starts=data["starts"],
            ends=data["ends"],
            reason=data["reason"],
        ),
        success=f"{organisation} is suspended.",
        redirect_to="admin-partners",
    ) or render(
        request,
        "access/administration/partner_suspend.html",
        {
            "form": form,
            "organisation": organisation,
            "has_suspension": services.has_suspension(organisation),
        },
    )


@partner_administrators_only
@require_http_methods(["GET", "POST"])
def partner_lift(request, pk):
    organisation = policy.get_organisation_for_suspension(request.user, pk, request=request)
    if not services.has_suspension(organisation):
        messages.info(request, f"{organisation} is not suspended.")
        return redirect("admin-partners")
    form = forms.LiftSuspensionForm(_posted(request))
    return handle_post(
        request,
        form,
        lambda data: services.lift_suspension(
            organisation, by=request.user, reason=data["reason"]
        ),
        success=f"The suspension of {organisation} is lifted.",
        unchanged=f"{organisation} is not suspended.",
        redirect_to="admin-partners",
    ) or render(
        request,
        "access/administration/partner_lift.html",
        {"form": form, "organisation": organisation},
    )
