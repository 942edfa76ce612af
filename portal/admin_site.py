"""The admin site: Django's, with its app list read only by a page that shows it."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.functional import SimpleLazyObject


class AdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """The apps and models the user may see, read when a page first uses them.

        Every admin page's context carries this list for the navigation
        sidebar, and reading it checks every permission of the user (two
        queries). The review queue has no sidebar, so it never reads it.
        """
        return SimpleLazyObject(partial(super().get_app_list, request, app_label))


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with the site above as `admin.site`."""

    default_site = "portal.admin_site.AdminSite"
