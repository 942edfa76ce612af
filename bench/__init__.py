"""`make bench`: the portal measured against bare Django and bare Celery."""
