"""The embedded broker (portal/broker.py) against the race kombu's own loses.

Several processes send at once to one filesystem queue while this process
receives: kombu 5.7's transport hands the receiver files still being written
(a JSONDecodeError, or a message lost); ours hands over every message once.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import filesystem, resolve_transport

from portal import broker

SENDERS = 4
MESSAGES_PER_SENDER = 100
# Large bodies make each write slow enough for a reader to come in between,
# and senders that pause let the receiver catch up and find fresh files.
BODY = "x" * 1024 * 1024
PAUSE_SECONDS = 0.005


def transport_options(folder: Path) -> dict:
    queue = str(folder / "queue")
    return {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "control_folder": str(folder / "control"),
        # The receiver looks again at once: it finds each file as it appears.
        "polling_interval": 0,
    }


def connect(transport: type, folder: Path) -> Connection:
    # kombu keeps declared exchanges per process; each test has new folders.
    transport.global_state.clear()
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return Connection(
        "filesystem://",
        transport=transport,
        transport_options=transport_options(folder),
    )


def send(transport: type, folder: Path, sender: int, start) -> None:
    """One sender process: wait for the others, then send its messages."""
    start.wait()
    with connect(transport, folder) as connection:
        queue = connection.SimpleQueue("race")
        for number in range(MESSAGES_PER_SENDER):
            queue.put({"id": f"{sender}-{number}", "body": BODY})
            time.sleep(PAUSE_SECONDS)
        queue.close()


def race(transport: type, folder: Path) -> tuple[Counter, Exception | None]:
    """Every message id received (with its count), and the error that stopped it."""
    context = multiprocessing.get_context("fork")
    start = context.Event()
    senders = [
        context.Process(target=send, args=(transport, folder, sender, start))
        for sender in range(SENDERS)
    ]
    received: Counter = Counter()
    error = None
    with connect(transport, folder) as connection:
        queue = connection.SimpleQueue("race")
        for process in senders:
            process.start()
        start.set()
        try:
            while True:
                try:
                    message = queue.get(timeout=3)
                except queue.Empty:
                    break
                received[message.payload["id"]] += 1
                message.ack()
        except Exception as raised:
            error = raised
        finally:
            queue.close()
            for process in senders:
                process.join(60)
    return received, error


def every_message() -> set[str]:
    return {
        f"{sender}-{number}"
        for sender in range(SENDERS)
        for number in range(MESSAGES_PER_SENDER)
    }


@pytest.mark.integration
def test_kombus_own_transport_hands_a_receiver_half_written_messages(tmp_path):
    received, error = race(filesystem.Transport, tmp_path)

    lost = every_message() - set(received)
    assert error is not None or lost, "the race did not happen: the test proves nothing"


@pytest.mark.integration
def test_every_message_sent_at_once_is_received_exactly_once(tmp_path):
    received, error = race(broker.Transport, tmp_path)

    assert error is None
    assert set(received) == every_message()
    assert set(received.values()) == {1}
    assert not any((tmp_path / "staging").iterdir())
    assert not any((tmp_path / "claimed").iterdir())


def take_without_acknowledging(folder: Path, done) -> None:
    """A consumer process that takes one message and dies before its ack."""
    with connect(broker.Transport, folder) as connection:
        queue = connection.SimpleQueue("kept")
        queue.get(timeout=3)
        done.set()
        os._exit(0)


def test_a_message_taken_by_a_consumer_that_died_is_received_again(tmp_path, caplog):
    with connect(broker.Transport, tmp_path) as connection:
        queue = connection.SimpleQueue("kept")
        queue.put({"id": "taken"})
        context = multiprocessing.get_context("fork")
        done = context.Event()
        consumer = context.Process(
            target=take_without_acknowledging, args=(tmp_path, done)
        )
        consumer.start()
        consumer.join(30)
        assert done.is_set()
        # The dead consumer's claim holds it; nothing is in the queue itself.
        assert not list((tmp_path / "queue").glob("*.msg"))

        with caplog.at_level(logging.WARNING, logger="portal.broker"):
            message = queue.get(timeout=3)
        message.ack()
        queue.close()

    assert message.payload == {"id": "taken"}
    assert "Put 1 message(s)" in caplog.text
    assert not any((tmp_path / "claimed").iterdir())


def test_a_message_stays_claimed_until_acknowledged(tmp_path):
    with connect(broker.Transport, tmp_path) as connection:
        queue = connection.SimpleQueue("acked")
        queue.put({"id": "one"})
        message = queue.get(timeout=3)
        assert len(list((tmp_path / "claimed").glob("*/*.msg"))) == 1

        message.ack()

        assert not list((tmp_path / "claimed").glob("*/*.msg"))
        queue.close()


def test_a_live_consumers_claims_are_left_alone(tmp_path):
    with connect(broker.Transport, tmp_path) as first:
        queue = first.SimpleQueue("live")
        queue.put({"id": "one"})
        message = queue.get(timeout=3)
        # Another process reads the same queue while the first one still holds
        # the message; its lock says it is alive.
        context = multiprocessing.get_context("fork")
        found = context.Queue()
        other = context.Process(target=look_for_messages, args=(tmp_path, found))
        other.start()
        other.join(30)

        assert found.get(timeout=5) == "empty"
        message.ack()
        queue.close()


def look_for_messages(folder: Path, found) -> None:
    with connect(broker.Transport, folder) as connection:
        queue = connection.SimpleQueue("live")
        try:
            queue.get(timeout=1)
            found.put("received")
        except queue.Empty:
            found.put("empty")


def test_a_rejected_message_goes_back_to_the_queue_once(tmp_path):
    with connect(broker.Transport, tmp_path) as connection:
        queue = connection.SimpleQueue("rejected")
        queue.put({"id": "one"})
        queue.get(timeout=3).requeue()

        again = queue.get(timeout=3)
        again.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)
        queue.close()

    assert again.payload == {"id": "one"}
    assert not list((tmp_path / "claimed").glob("*/*.msg"))


def test_an_undecodable_message_is_set_aside_and_the_next_one_received(
    tmp_path, caplog
):
    with connect(broker.Transport, tmp_path) as connection:
        queue = connection.SimpleQueue("mixed")
        (tmp_path / "queue" / "0_broken.mixed.msg").write_bytes(b'{"body": ')
        queue.put({"id": "after"})

        with caplog.at_level(logging.ERROR, logger="portal.broker"):
            message = queue.get(timeout=3)
        message.ack()
        queue.close()

    assert message.payload == {"id": "after"}
    assert [path.name for path in (tmp_path / "unreadable").iterdir()] == [
        "0_broken.mixed.msg"
    ]
    assert "0_broken.mixed.msg could not be decoded" in caplog.text


def test_a_message_is_written_aside_and_moved_into_the_queue_whole(tmp_path):
    with connect(broker.Transport, tmp_path) as connection:
        queue = connection.SimpleQueue("whole")
        queue.put({"id": "one"})
        queue.close()

    (written,) = (tmp_path / "queue").glob("*.whole.msg")
    assert json.loads(written.read_bytes())["properties"]["delivery_info"] == {
        "exchange": "whole",
        "routing_key": "whole",
    }
    assert not any((tmp_path / "staging").iterdir())


def test_the_portal_uses_it_for_filesystem_urls(tmp_path):
    # portal.celery registers it when the Celery app is imported.
    import portal.celery  # noqa: F401

    assert resolve_transport("filesystem") is broker.Transport
    with Connection(
        "filesystem://", transport_options=transport_options(tmp_path)
    ) as connection:
        assert isinstance(connection.transport, broker.Transport)
    # The transport makes its folders, kombu's and its own.
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {"queue", "control", "staging", "claimed", "unreadable"}
