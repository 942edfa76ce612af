"""The one way a service asks for work to be done later: a Celery task sent by name.

Services sit below the tasks that call them, so they never import `profiles.tasks`;
they name the task here. The task is looked up in the Celery app's registry and sent
with `delay()`, which runs it inline when `task_always_eager` is set (the test
suite); `app.send_task` would ignore that setting.
"""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)

# The registered names of the tasks services ask for; profiles/tasks.py takes them.
EVALUATE_PROFILE = "profiles.tasks.evaluate_profile"
DELIVER_NOTIFICATION = "profiles.tasks.deliver_notification"
SEND_ADDRESS_CONFIRMATION = "profiles.tasks.send_address_confirmation"


def enqueue(task_name: str, *args) -> bool:
    """Send the task to a worker; if the broker is down, log it: the sweep will."""
    # Outside the try: an unknown name is a bug, not a broker outage.
    task = current_app.tasks[task_name]
    try:
        task.delay(*args)
    except Exception:
        logger.exception(
            "Could not enqueue %s%r; the sweep will retry", task_name, args
        )
        return False
    return True
