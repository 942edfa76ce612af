"""The portal's URLs plus two bench-only baselines (BENCH_BASELINE=1 only)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def baseline(request):
    """A minimal template, through the same middleware as every page."""
    return render(request, "bench/baseline.html", {"user": request.user})


def bare_upload(request):
    """Receive a multipart upload as Django parses it, and do nothing else."""
    received = sum(upload.size for upload in request.FILES.getlist("documents-files"))
    return HttpResponse(str(received), content_type="text/plain")


urlpatterns = [
    path("bench/baseline/", baseline),
    path("bench/upload/", bare_upload),
    *portal_urlpatterns,
]
