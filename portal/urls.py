from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from profiles.forms import EmailAuthenticationForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="profiles:list"), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profiles/", include("profiles.urls")),
    path("admin/", admin.site.urls),
]
