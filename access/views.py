"""Signing in and out, the two-factor step, the user's account page and their own password
change (SPEC M3, T4, §17). Which step a signed-in user must complete first is decided by
access.middleware.pending_step; the writes are in access/signin.py and access/two_factor.py.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import handle_post

from . import account_sessions, policy, signin, two_factor
from .forms import PasswordChangeForm, SignInForm, TwoFactorCodeForm
from .middleware import pending_step, step_url
from .sessions import absolute_timeout, describe_duration, idle_timeout


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    """django-axes' answer to a sign-in of a locked account (AXES_LOCKOUT_CALLABLE).

    The sign-in form has already said why (it sees `request.axes_locked_out`), so its page
    is kept as it is: a form with an error, answered 200 like every other (a browser reports
    a 4xx page as a failed load). Anything else that authenticated a locked account gets
    the sign-in page with the lockout message."""
    if original_response is not None and getattr(original_response, "context_data", None):
        return original_response
    username = ""
    if isinstance(credentials, dict):
        username = str(credentials.get("username") or "")[:150]
    return render(
        request,
        "access/sign_in.html",
        {
            "form": SignInForm(request, initial={"username": username}),
            "problem": signin.lockout_message(),
        },
    )


def _next(request, default: str = "") -> str:
    """The page to go on to: a `next` from the form or address if it is ours, else
    `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _held(request) -> dict:
    """While a step is pending, the navigation's links would only lead back to it."""
    return {"navigation": []} if pending_step(request) else {}


class SignInView(auth_views.LoginView):
    template_name = "access/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notice"] = signin.take_notice(self.request)
        return context

    def get_success_url(self):
        # Straight to the second factor or the password change when one is pending.
        url = super().get_success_url()
        step = pending_step(self.request)
        return step_url(step, url) if step else url


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_code(request):
    """The second step of signing in: a code from the user's authenticator app."""
    user = request.user
    done = _next(request, reverse("dashboard"))
    if not two_factor.needs_second_factor(request) or two_factor.is_verified(request):
        return redirect(done)
    device = two_factor.confirmed_device(user)
    if device is None:
        # Removed since sign-in (an administrator reset it): set up again if required.
        request.session[two_factor.HAS_DEVICE] = False
        step = pending_step(request)
        return redirect(step_url(step, done) if step else done)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted, wait = two_factor.verify(
            user, device, token=form.cleaned_data["otp_token"], request=request
        )
        if accepted:
            step = pending_step(request)
            return redirect(step_url(step, done) if step else done)
        if wait:
            form.add_error(
                "otp_token",
                f"You have entered too many wrong codes. Wait {wait} seconds, then enter the "
                "code your app shows.",
            )
        else:
            form.add_error(
                "otp_token",
                "The code is not right, or it has already been used. Enter the code your "
                "app shows now.",
            )
    return render(
        request,
        "access/two_factor.html",
        {"form": form, "next": _next(request), **_held(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), enter a code."""
    user = request.user
    existing = two_factor.confirmed_device(user)
    if existing is not None and not two_factor.is_verified(request):
        # Replacing a device takes a code from the current one first.
        request.session[two_factor.HAS_DEVICE] = True
        return redirect(step_url("two-factor", request.get_full_path()))
    key = two_factor.pending_key(request)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.enrol(
            user, key=key, token=form.cleaned_data["otp_token"], request=request
        )
        if device is not None:
            messages.success(request, "Two-factor authentication is set up.")
            done = _next(request, reverse("account"))
            step = pending_step(request)
            return redirect(step_url(step, done) if step else done)
        form.add_error(
            "otp_token",
            "The code is not right. Check the key in your app and enter the code it shows now.",
        )
    return render(
        request,
        "access/two_factor_setup.html",
        {
            "form": form,
            "next": _next(request),
            "required": policy.requires_two_factor(user),
            "replacing": existing is not None,
            "qr_code": two_factor.qr_code_svg(user, key),
            "secret": two_factor.secret_for_typing(key),
            **_held(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """The user's own new password: at any time, and before anything else when an
    administrator has set one for them."""
    user = request.user
    forced = user.must_change_password
    form = PasswordChangeForm(user, request.POST or None)
    return handle_post(
        request,
        form,
        lambda data: signin.change_password(
            user, new_password=data["new_password"], request=request
        ),
        success="Your password has been changed.",
        redirect_to=_next(request, reverse("dashboard" if forced else "account")),
    ) or render(
        request,
        "access/password_change.html",
        {"form": form, "forced": forced, "next": _next(request), **_held(request)},
    )


@login_required
@require_http_methods(["GET"])
def account(request):
    """Who the user is, how they sign in, and where they are signed in now."""
    user = request.user
    sessions = account_sessions.active_sessions(user, current_key=request.session.session_key)
    return render(
        request,
        "access/account.html",
        {
            "account": user,
            "device": two_factor.confirmed_device(user),
            "two_factor_required": policy.requires_two_factor(user),
            "previous_sign_in": signin.previous_sign_in(user),
            "sessions": sessions,
            "idle_limit": describe_duration(idle_timeout()),
            "absolute_limit": describe_duration(absolute_timeout()),
        },
    )


@login_required
@require_POST
def sign_out_session(request, pk):
    """Sign out one of the user's other sessions (a browser left signed in elsewhere)."""
    session = account_sessions.get_other_session_for_user(
        request.user, pk, current_key=request.session.session_key, request=request
    )
    when = format_date(timezone.localtime(session.signed_in_at), "j M Y H:i")
    device = account_sessions.sign_out_session(session, by=request.user)
    messages.success(request, f"{device}, signed in {when}, has been signed out.")
    return redirect("account")


@login_required
@require_POST
def sign_out_everywhere(request):
    signin.sign_out_everywhere(request.user, request=request)
    logout(request)
    signin.leave_notice(
        request,
        "You have signed out everywhere",
        "Every session of your account has ended, on this device and any other. Sign in "
        "again to continue.",
    )
    return redirect("sign-in")
