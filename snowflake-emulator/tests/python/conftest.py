"""Fixtures for the conformance suite: the emulator's address comes from the
environment (snowflake-emulator/scripts/conformance starts it)."""

import os
import uuid

import pytest
import snowflake.connector
from snowflake.connector import DictCursor

# The connector probes cloud metadata endpoints at login (up to seconds of
# timeouts, and traffic off this machine): turn that off for both major versions.
os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")

PORT = int(os.environ.get("EMULATOR_PORT", "0"))
HOST = os.environ.get("EMULATOR_HOST", "127.0.0.1")
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def connect(**kwargs):
    if not PORT:
        raise RuntimeError("EMULATOR_PORT is not set: run snowflake-emulator/scripts/conformance")
    args = dict(account="testacct", user="admin", password="admin", host=HOST, port=PORT, protocol="http",
                login_timeout=20, network_timeout=20, platform_detection_timeout_seconds=0.0)
    args.update(kwargs)
    return snowflake.connector.connect(**args)


@pytest.fixture
def conn():
    c = connect()
    yield c
    c.close()


@pytest.fixture
def cur(conn):
    return conn.cursor(DictCursor)


@pytest.fixture
def name():
    """A fresh upper-case identifier per test, so tests never collide."""
    return "T_" + uuid.uuid4().hex[:10].upper()


def q(cur, sql):
    cur.execute(sql)
    return cur.fetchall()
