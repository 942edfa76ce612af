"""kombu's Redis transport, made to survive closing a channel after its connection.

When Redis goes away, the Celery worker collects its broken connection: kombu
closes what channels it can, then forgets the connection's settings (the
transport's `client` becomes None). A channel it did not close, such as the one
the task consumer reads from, is closed later by Celery's restart of its
consumer, and closing a channel restores its unacknowledged messages: kombu 5.7
builds a new Redis client for that from the connection's settings, which are
gone, and raises `AttributeError: 'NoneType' object has no attribute 'hostname'`
(`Channel._connparams`). Celery does not expect an AttributeError there, and
the worker process exits.

Here that restore is skipped when the connection's settings are gone. Nothing is
lost by it: each unacknowledged message is also kept in Redis (kombu's
`unacked` hash, written when the message was delivered) and is put back in its
queue by the next worker's periodic `restore_visible` once the visibility
timeout has passed; the sweeps decide pending profiles and send due deliveries
long before that.

`register_redis_transport()` (called by portal/celery.py) makes it the
transport of every `redis://` and `rediss://` URL in this process.
"""

from __future__ import annotations

import logging

from kombu.transport import TRANSPORT_ALIASES, redis

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    """Redis acknowledgement emulation that outlives its connection's settings."""

    def restore_unacked(self, client=None):
        """Put unacknowledged messages back, unless the connection is gone."""
        if client is None and self.channel.connection.client is None:
            logger.warning(
                "Broker connection closed: %d unacknowledged message(s) left "
                "in Redis for the visibility timeout to restore",
                len(self._delivered),
            )
            # restore_unacked_once asserts this is empty once it has run.
            self._delivered.clear()
            return
        super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel


def register_redis_transport() -> None:
    """Make `redis://` and `rediss://` URLs use this transport instead of kombu's."""
    for scheme in ("redis", "rediss"):
        TRANSPORT_ALIASES[scheme] = f"{__name__}:Transport"
