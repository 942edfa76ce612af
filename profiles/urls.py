from __future__ import annotations

from django.urls import path

from . import views
from .wizard import ProfileWizard

app_name = "profiles"

wizard = ProfileWizard.as_view(url_name="profiles:step")

urlpatterns = [
    path("", views.profile_list, name="list"),
    path("secondary/new/", views.profile_create, name="create"),
    path("<str:sid>/", views.profile_detail, name="detail"),
    path("<str:sid>/status/", views.profile_status, name="status"),
    path("<str:sid>/edit/", wizard, name="edit"),
    path("<str:sid>/edit/<str:step>/", wizard, name="step"),
    path(
        "<str:sid>/notifications/confirmation/",
        views.confirmation_send,
        name="confirmation-send",
    ),
    path(
        "<str:sid>/documents/<str:document_sid>/",
        views.document_download,
        name="document",
    ),
    path(
        "<str:sid>/documents/<str:document_sid>/delete/",
        views.document_delete,
        name="document-delete",
    ),
]
