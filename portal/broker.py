"""The embedded broker: kombu's filesystem transport, safe with many processes.

kombu's own transport (5.7, celery/kombu#1551) creates a message's file in the
queue folder and then writes it, while a reader moves and reads any file it
lists: a reader that comes in between gets an empty file, and the Celery worker
dies on the JSONDecodeError. It also deletes a message as soon as it is read,
so a worker killed before it acknowledged a task takes the message with it.
This one:

- writes each message under a staging folder beside the queue, flushed to
  disk, then moves it into the queue with one `os.replace` (atomic on one
  filesystem), so a reader only ever sees whole messages;
- claims a message by renaming it into the reading channel's own folder under
  `claimed/` (one reader wins the rename, the others move on), and removes it
  only once the message is acknowledged (or at once, for consumers that do not
  acknowledge);
- puts back into the queue the claims of a channel whose process died: each
  channel holds a lock on its folder while it lives, and the kernel releases
  it with the process, however it ended;
- sets a message that cannot be decoded aside under `unreadable/`, with a log
  line, instead of raising.

`register_filesystem_transport()` (called by portal/celery.py) makes it the
transport of every `filesystem://` URL in this process. Its folders are
siblings of `data_folder_in`, unless given as the transport options
`staging_folder`, `claimed_folder` and `unreadable_folder`; it creates them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from contextlib import suppress
from pathlib import Path
from queue import Empty
from time import monotonic, time_ns

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

SIDE_FOLDERS = ("staging", "claimed", "unreadable")
# kombu does not create its own folders.
KOMBU_FOLDERS = ("data_folder_in", "data_folder_out", "control_folder")
LOCK_FILE = "owner.lock"
# How often a reader looks for the claims of channels whose process died.
RECOVER_EVERY_SECONDS = 5.0
# The claim folders of this process's channels. A process can take its own
# lock again, so these are never tested (nor recovered) by their own process.
OWN_CLAIM_FOLDERS: set[Path] = set()
# A forked child holds none of its parent's locks.
os.register_at_fork(after_in_child=OWN_CLAIM_FOLDERS.clear)


def side_folder(options: dict, name: str) -> Path:
    """A folder of the broker's own, on the same filesystem as the queue."""
    configured = options.get(f"{name}_folder")
    if configured:
        return Path(configured)
    return Path(options.get("data_folder_in", "data_in")).parent / name


class Channel(filesystem.Channel):
    """A filesystem channel whose messages are never half written nor dropped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Delivery tag -> the claimed file, until the message is acknowledged.
        self.claims: dict[str, Path] = {}
        self.own_folder: Path | None = None
        self.lock_fd: int | None = None
        self.recovered_at = float("-inf")

    # --- sending ------------------------------------------------------------------

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

    # --- receiving ----------------------------------------------------------------

    def _get(self, queue: str) -> dict:
        """Claim the oldest message of the queue and read it."""
        if monotonic() - self.recovered_at >= RECOVER_EVERY_SECONDS:
            self.recover_abandoned_claims()
        wanted = f"{queue}.msg"
        folder = self.claim_folder()
        for name in sorted(os.listdir(self.data_folder_in)):
            # <time>_<uuid>.<queue>.msg, as kombu names them.
            if name.partition(".")[2] != wanted:
                continue
            try:
                os.rename(Path(self.data_folder_in) / name, folder / name)
            except FileNotFoundError:
                # Another reader took it first.
                continue
            payload = self.read_claimed(folder / name)
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
            tag = payload["properties"]["delivery_tag"]
        except (ValueError, TypeError, KeyError):
            self.set_aside(claimed)
            return None
        self.claims[tag] = claimed
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

    def release(self, delivery_tag: str) -> None:
        """The message is done with: remove its claimed file."""
        claimed = self.claims.pop(delivery_tag, None)
        if claimed is not None:
            claimed.unlink(missing_ok=True)

    # --- the hooks where kombu settles a message ----------------------------------

    def basic_consume(self, queue, no_ack, callback, consumer_tag, **kwargs):
        """A consumer that does not acknowledge is done with a message at once."""
        if no_ack:
            deliver = callback

            def callback(message):
                self.release(message.delivery_tag)
                return deliver(message)

        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self.release(message.delivery_tag)
        return message

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self.release(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False):
        # A requeued message goes back through _restore, which releases it.
        super().basic_reject(delivery_tag, requeue=requeue)
        self.release(delivery_tag)

    def _restore(self, message):
        """Send an unacknowledged message again, then drop its claim."""
        super()._restore(message)
        self.release(message.delivery_tag)

    def close(self):
        """Give back what was not acknowledged, then the channel's folder."""
        super().close()
        if self.own_folder is not None and not self.claims:
            remove_claim_folder(self.own_folder)
        if self.lock_fd is not None:
            # Anything left is recovered by the next reader.
            os.close(self.lock_fd)
            self.lock_fd = None
            OWN_CLAIM_FOLDERS.discard(self.own_folder)

    # --- claims of channels that died ---------------------------------------------

    def claim_folder(self) -> Path:
        """This channel's folder under claimed/, locked for as long as it lives."""
        if self.own_folder is None:
            # Made and locked aside, then moved in: nobody sees it unlocked.
            name = f"{os.getpid()}-{uuid.uuid4().hex}"
            making = self.staging_folder / name
            making.mkdir()
            self.lock_fd = os.open(making / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            # A POSIX record lock: not inherited by forked pool processes, and
            # released by the kernel when this process ends.
            fcntl.lockf(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.own_folder = self.claimed_folder / name
            OWN_CLAIM_FOLDERS.add(self.own_folder)
            os.rename(making, self.own_folder)
        return self.own_folder

    def recover_abandoned_claims(self) -> None:
        """Put the messages of channels whose process died back in the queue."""
        self.recovered_at = monotonic()
        for folder in self.claimed_folder.iterdir():
            if folder not in OWN_CLAIM_FOLDERS and folder.is_dir():
                self.recover_from(folder)

    def recover_from(self, folder: Path) -> None:
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR)
        except FileNotFoundError:
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            # Its process is alive.
            os.close(fd)
            return
        try:
            returned = 0
            for claimed in folder.glob("*.msg"):
                os.replace(claimed, Path(self.data_folder_in) / claimed.name)
                returned += 1
            remove_claim_folder(folder)
        finally:
            os.close(fd)
        if returned:
            logger.warning(
                "Put %d message(s) that a stopped consumer had taken back in the queue",
                returned,
            )

    # --- folders --------------------------------------------------------------------

    @property
    def staging_folder(self) -> Path:
        return side_folder(self.transport_options, "staging")

    @property
    def claimed_folder(self) -> Path:
        return side_folder(self.transport_options, "claimed")

    @property
    def unreadable_folder(self) -> Path:
        return side_folder(self.transport_options, "unreadable")


def remove_claim_folder(folder: Path) -> None:
    """Remove an emptied claim folder (another reader may have done it)."""
    if any(folder.glob("*.msg")):
        # Left, lock file and all, for the next reader to recover.
        return
    (folder / LOCK_FILE).unlink(missing_ok=True)
    with suppress(FileNotFoundError):
        folder.rmdir()


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
