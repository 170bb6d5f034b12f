"""User administration and partner suspension (M1, G4, T4). The url names are those of
sentinel.context_processors.ADMIN_PAGES."""

from django.urls import path

from . import views

urlpatterns = [
    path("administration/", views.index, name="administration"),
    path("administration/users/", views.users, name="admin-users"),
    path("administration/users/add/", views.user_add, name="admin-user-add"),
    path("administration/users/<int:pk>/", views.user_detail, name="admin-user"),
    path("administration/users/<int:pk>/edit/", views.user_edit, name="admin-user-edit"),
    path("administration/users/<int:pk>/enable/", views.user_enable, name="admin-user-enable"),
    path("administration/users/<int:pk>/disable/", views.user_disable, name="admin-user-disable"),
    path(
        "administration/users/<int:pk>/password/",
        views.user_password,
        name="admin-user-password",
    ),
    path("administration/users/<int:pk>/unlock/", views.user_unlock, name="admin-user-unlock"),
    path(
        "administration/users/<int:pk>/two-factor/reset/",
        views.user_reset_two_factor,
        name="admin-user-reset-two-factor",
    ),
    path("administration/partners/", views.partners, name="admin-partners"),
    path(
        "administration/partners/<int:pk>/suspend/",
        views.partner_suspend,
        name="admin-partner-suspend",
    ),
    path("administration/partners/<int:pk>/lift/", views.partner_lift, name="admin-partner-lift"),
]
