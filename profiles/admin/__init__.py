"""The reviewer's back office: the review queue, one page per profile, decisions.

Importing the modules registers their admins with the default site.
"""

from . import accounts, deliveries, erasures, review

__all__ = ["accounts", "deliveries", "erasures", "review"]
