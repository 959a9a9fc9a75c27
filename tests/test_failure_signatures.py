"""Failure signatures true of all their evidence: what varies between occurrences (hosts and
ports, container and pod names, URLs, dates, numbers in messages) is stripped so the same
failure groups, codes that tell failures apart are kept so different ones do not, and a
proposal quotes the shape of its error line when its occurrences differ."""

from __future__ import annotations

import pytest

from dreamer.dream import dream
from dreamer.extractors.signature import normalize, shape
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.sessions import command_session

SAME = [
    (
        "Error: payment amount does not add up, total price is 1203, but paid 833",
        "Error: payment amount does not add up, total price is 980, but paid 1020",
    ),
    (
        "Back-off restarting failed container web in pod web-7f9c8d-x2k4q",
        "Back-off restarting failed container web in pod web-5d8f7c9b6-wxkzq",
    ),
    ("Error: No such container: project_app_1", "Error: No such container: shop_db_2"),
    ("connect ECONNREFUSED 127.0.0.1:5432", "connect ECONNREFUSED 10.0.3.17:6543"),
    ("could not connect to server db:5432", "could not connect to server postgres:5433"),
    (
        "Failed to connect to localhost port 8000: Connection refused",
        "Failed to connect to 127.0.0.1 port 8080: Connection refused",
    ),
    (
        "dial tcp: lookup api.internal.example.com: no such host",
        "dial tcp: lookup registry.ledger.dev: no such host",
    ),
    (
        "GET https://api.example.com/v1/orders/8812?expand=items returned 500",
        "GET https://api.example.com/v1/orders/9921 returned 500",
    ),
    (
        "Error: flight HAT030 not available on date 2024-05-13",
        "Error: flight HAT271 not available on date 2024-05-20",
    ),
    (
        "OOMKilled: container worker-5b6d7c-m2n8r exceeded memory limit 512Mi",
        "OOMKilled: container worker-7c9d8e-q4r5t exceeded memory limit 1Gi",
    ),
    (
        "fatal: unable to access 'https://github.com/ines/ledger.git/': Could not resolve host",
        "fatal: unable to access 'https://gitlab.com/ines/site.git/': Could not resolve host",
    ),
    (
        "Error: 401 Unauthorized: token expired at 2026-11-03T09:12:44Z",
        "Error: 401 Unauthorized: token expired at 2026-11-10T17:02:03+01:00",
    ),
    ("ModuleNotFoundError: No module named 'requests'", "ModuleNotFoundError: No module named 'x'"),
    ("fatal: bad object 3f2a9c1d7e", "fatal: bad object 9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"),
    (
        "Error response from daemon: failed to set up container networking on endpoint "
        "mosquitto (4be1c0ffee12): Bind for 0.0.0.0:1883 failed: port is already allocated",
        "Error response from daemon: failed to set up container networking on endpoint "
        "zigbee2mqtt (9a0b7d3e55f1): Bind for 0.0.0.0:1883 failed: port is already allocated",
    ),
    (
        "Error: error creating network backend: network traefik_public: already exists",
        "Error: error creating network backend: network infra_edge: already exists",
    ),
]
DIFFERENT = [
    ("connect ECONNREFUSED 127.0.0.1:5432", "connect ETIMEDOUT 127.0.0.1:5432"),
    ("request failed with status code 404", "request failed with status code 500"),
    ("HTTP 401: Unauthorized", "HTTP 403: Unauthorized"),
    ("GET https://api.example.com/v1/orders/8812 returned 500", "GET https://x.io/a returned 404"),
    ("npm ERR! code E404", "npm ERR! code E401"),
    ("error[E0382]: use of moved value: `v`", "error[E0499]: use of moved value: `v`"),
    ("Error: 401 Unauthorized: token expired", "Error: 403 Unauthorized: token expired"),
    ("exit status 1", "exit status 2"),
    ("no space left on device", "disk quota exceeded"),
    ("Error: No such container: project_app_1", "Error: No such network: project_default"),
    ("not enough seats on flight HAT290", "flight HAT290 not available on date 2024-05-13"),
    # What follows "container" or "network" is a name only when it is shaped as one.
    ("container web exited with code 137", "container web restarted with code 137"),
    ("network error: connection reset", "network timeout: connection reset"),
    ("upstream service unavailable", "upstream service degraded"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_the_same_failure_groups(one: str, other: str) -> None:
    assert normalize(one) == normalize(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_failures_do_not_group(one: str, other: str) -> None:
    assert normalize(one) != normalize(other)


def test_a_shape_keeps_what_all_say_and_names_what_varies() -> None:
    assert (
        shape([SAME[0][0], SAME[0][1]])
        == "Error: payment amount does not add up, total price is N, but paid M"
    )
    assert shape([SAME[1][0], SAME[1][1]]) == (
        "Back-off restarting failed container web in pod <name>"
    )
    assert shape([SAME[12][0], SAME[12][1]]) == "ModuleNotFoundError: No module named '…'"
    # What all of them say stays as it is: the flight, when it is always the same one.
    same_flight = ["Error: flight HAT030 not available on date 2024-05-13", SAME[8][0][:-2] + "20"]
    assert shape(same_flight) == "Error: flight HAT030 not available on date <date>"


async def test_a_proposal_quotes_its_line_or_its_shape(log: SessionLog) -> None:
    paid = [("1203", "833"), ("980", "1020"), ("1203", "833")]
    for total, amount in paid:
        line = f"Error: payment amount does not add up, total price is {total}, but paid {amount}"
        await command_session(log, "book the trip", [("book --card visa", line, 1)])
    for _ in range(2):
        await command_session(log, "sync", [("sync --all", "Error: quota exceeded for today", 1)])
    await dream(log)
    statements = sorted(p["statement"] for p in await inbox_json(log) if p["kind"] == "failure")
    assert statements == [
        "`book` fails with: Error: payment amount does not add up, total price is N, but paid M",
        "`sync` fails with: Error: quota exceeded for today",
    ]


async def test_a_long_chained_error_is_quoted_with_its_cause(log: SessionLog) -> None:
    for broker, digest in (("mosquitto", "4be1c0ffee12"), ("emqx", "77d2a9b1c0de")):
        line = (
            "Error response from daemon: failed to set up container networking on endpoint "
            f"{broker} ({digest}): driver failed programming external connectivity: Bind for "
            "0.0.0.0:1883 failed: port is already allocated"
        )
        await command_session(log, f"start {broker}", [("docker compose up -d", line, 1)])
    await dream(log)
    (failure,) = [p for p in await inbox_json(log) if p["kind"] == "failure"]
    # One failure, though the endpoints differ; its cause survives the cut, and no word is cut.
    assert failure["support"] == 2
    assert failure["statement"].startswith("`docker compose` fails with: Error response from")
    assert failure["statement"].endswith(
        ": …: Bind for 0.0.0.0:1883 failed: port is already allocated"
    )
