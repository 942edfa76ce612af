"""One attempt at one delivery: claim it, send it, write the outcome."""

from __future__ import annotations

import logging

from ..choices import Channel
from ..models import NotificationDelivery
from .emails import send_decision
from .errors import DeliveryError
from .outbox import claim, mark_delivered, mark_failed_attempt
from .webhooks import send_callback

logger = logging.getLogger(__name__)

SENDERS = {Channel.EMAIL: send_decision, Channel.WEBHOOK: send_callback}


def deliver(delivery_id: int) -> NotificationDelivery | None:
    """Send a due delivery once; None when it is not due or someone has it."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    try:
        code = SENDERS[delivery.channel](delivery)
    except DeliveryError as error:
        mark_failed_attempt(delivery, error)
    except Exception as error:
        # A bug must not leave the row claimed forever: count it as an attempt.
        logger.exception("Delivery %s raised", delivery.pk)
        mark_failed_attempt(delivery, DeliveryError(repr(error), permanent=False))
    else:
        mark_delivered(delivery, code)
    return delivery
