"""The embedded broker: kombu's filesystem transport, safe with many processes.

kombu's own transport (5.7, celery/kombu#1551) creates a message's file in the
queue folder and then writes it, while a reader moves and reads any file it
lists: a reader that comes in between gets an empty file, and the Celery worker
dies on the JSONDecodeError. This one:

- writes each message under a staging folder beside the queue, flushed to
  disk, then moves it into the queue with one `os.replace` (atomic on one
  filesystem), so a reader only ever sees whole messages;
- claims a message by renaming it into a claimed folder (one reader wins the
  rename, the others move on), then reads and removes it;
- sets a message that still cannot be decoded aside in an unreadable folder,
  with a log line, instead of raising.

`register_filesystem_transport()` (called by portal/celery.py) makes it the
transport of every `filesystem://` URL in this process. Its folders are
siblings of `data_folder_in`, unless given as the transport options
`staging_folder`, `claimed_folder` and `unreadable_folder`; it creates them.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import time_ns

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

SIDE_FOLDERS = ("staging", "claimed", "unreadable")
# kombu does not create its own folders.
KOMBU_FOLDERS = ("data_folder_in", "data_folder_out", "control_folder")


def side_folder(options: dict, name: str) -> Path:
    """A folder of the broker's own, on the same filesystem as the queue."""
    configured = options.get(f"{name}_folder")
    if configured:
        return Path(configured)
    return Path(options.get("data_folder_in", "data_in")).parent / name


class Channel(filesystem.Channel):
    """A filesystem channel whose readers never see a message half written."""

    def _put(self, queue: str, payload: dict, **kwargs) -> None:
        """Write the message aside, then move it into the queue in one step."""
        # Time first, so readers take messages in the order they were sent.
        name = f"{time_ns()}_{uuid.uuid4()}.{queue}.msg"
        staged = self.staging_folder / name
        try:
            with open(staged, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
                file.flush()
                os.fsync(file.fileno())
            os.replace(staged, Path(self.data_folder_out) / name)
        except OSError as error:
            staged.unlink(missing_ok=True)
            raise ChannelError(f"Cannot add message {name} to the queue") from error

    def _get(self, queue: str) -> dict:
        """Claim the oldest message of the queue, read it and remove it."""
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            # <time>_<uuid>.<queue>.msg, as kombu names them.
            if name.partition(".")[2] != wanted:
                continue
            claimed = self.claimed_folder / name
            try:
                os.rename(Path(self.data_folder_in) / name, claimed)
            except OSError:
                # Another reader took it first.
                continue
            payload = self.read_claimed(claimed)
            if payload is not None:
                return payload
        raise Empty()

    def read_claimed(self, claimed: Path) -> dict | None:
        """The message in a claimed file, or None once it is set aside."""
        try:
            raw = claimed.read_bytes()
        except OSError as error:
            raise ChannelError(f"Cannot read message {claimed.name}") from error
        try:
            payload = loads(bytes_to_str(raw))
            if not isinstance(payload, dict):
                raise ValueError(f"a message is an object, not {type(payload)}")
        except ValueError:
            self.set_aside(claimed)
            return None
        claimed.unlink(missing_ok=True)
        return payload

    def set_aside(self, claimed: Path) -> None:
        """Keep an undecodable message for a person to look at; go on."""
        kept = self.unreadable_folder / claimed.name
        os.replace(claimed, kept)
        logger.error(
            "Broker message %s could not be decoded; it was set aside as %s",
            claimed.name,
            kept,
        )

    @property
    def staging_folder(self) -> Path:
        return side_folder(self.transport_options, "staging")

    @property
    def claimed_folder(self) -> Path:
        return side_folder(self.transport_options, "claimed")

    @property
    def unreadable_folder(self) -> Path:
        return side_folder(self.transport_options, "unreadable")


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the channel above."""

    Channel = Channel
    # Declared exchanges, per process: its own, not kombu's transport's.
    global_state = virtual.BrokerState()

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        options = client.transport_options
        folders = [side_folder(options, name) for name in SIDE_FOLDERS]
        folders += [Path(options[key]) for key in KOMBU_FOLDERS if options.get(key)]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)


def register_filesystem_transport() -> None:
    """Make `filesystem://` URLs use this transport instead of kombu's."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
