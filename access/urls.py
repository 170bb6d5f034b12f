from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/two-factor/", views.two_factor_code, name="two-factor"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password-change"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path(
        "account/sessions/<int:pk>/sign-out/",
        views.sign_out_session,
        name="account-session-sign-out",
    ),
]
