"""URL converters for the portal's ids: a URL names only ids of their shape.

Anything else, a NUL byte included (PostgreSQL's text cannot hold one), is a
404 before a view or the database sees it.
"""

from __future__ import annotations


class SidConverter:
    """A Trust Hub SID, as models.SidField makes them: two capitals, 32 hex digits."""

    regex = "[A-Z]{2}[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class MessageIdConverter(SidConverter):
    """A notification's message id, as models.new_message_id makes them."""

    regex = "msg_[0-9a-f]{32}"
