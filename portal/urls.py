from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from portal import health
from profiles import urls as profiles_urls
from profiles import views
from profiles.forms import EmailAuthenticationForm
from profiles.throttle import ThrottledAdminAuthenticationForm, ThrottledLoginView

# profiles.urls, imported above, registers the sid and message_id converters
# that the patterns below use.

# The admin's sign-in counts failures with the same limits as the portal's.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="profiles:list"), name="home"),
    path(
        "accounts/login/",
        ThrottledLoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profiles/", include(profiles_urls)),
    path("account/", views.account_detail, name="account"),
    path(
        "account/secret/rotate/",
        views.account_secret_rotate,
        name="account-secret-rotate",
    ),
    path(
        "account/deliveries/<message_id:message_id>/resend/",
        views.delivery_resend,
        name="delivery-resend",
    ),
    path(
        "notifications/confirm/<str:token>/",
        views.address_confirm_view,
        name="address-confirm",
    ),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
