from __future__ import annotations

from django.urls import path, register_converter

from . import views
from .converters import MessageIdConverter, SidConverter
from .wizard import ProfileWizard

# Registered here, once for every URL conf: the root's and the admin's use them.
register_converter(SidConverter, "sid")
register_converter(MessageIdConverter, "message_id")

app_name = "profiles"

wizard = ProfileWizard.as_view(url_name="profiles:step")

urlpatterns = [
    path("", views.profile_list, name="list"),
    path("secondary/new/", views.profile_create, name="create"),
    path("<sid:sid>/", views.profile_detail, name="detail"),
    path("<sid:sid>/status/", views.profile_status, name="status"),
    path("<sid:sid>/delete/", views.profile_delete, name="delete"),
    path("<sid:sid>/edit/", wizard, name="edit"),
    path("<sid:sid>/edit/<slug:step>/", wizard, name="step"),
    path(
        "<sid:sid>/notifications/confirmation/",
        views.confirmation_send,
        name="confirmation-send",
    ),
    path(
        "<sid:sid>/documents/<sid:document_sid>/",
        views.document_download,
        name="document",
    ),
    path(
        "<sid:sid>/documents/<sid:document_sid>/delete/",
        views.document_delete,
        name="document-delete",
    ),
]
