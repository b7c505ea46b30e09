"""Titan Core (titan-core, unmodified) against the emulator: plan on an empty
account, apply, re-plan with no changes. Resources are declared with Titan's
Python API, connected as its README's Python example does (role SYSADMIN;
Titan switches to USERADMIN / SECURITYADMIN itself where a change needs it).

Usage: python titan_roundtrip.py PORT. Exits non-zero on any failure."""

import os
import sys

import snowflake.connector
from titan.blueprint import Blueprint, print_plan
from titan.resources import Database, Grant, Role, RoleGrant, Schema, Warehouse

PREFIX = "TITAN_"


def resources():
    db = Database(name=f"{PREFIX}DB", comment="managed by titan")
    schema = Schema(name="APP", database=db, comment="app schema")
    wh = Warehouse(name=f"{PREFIX}WH", warehouse_size="xsmall", auto_suspend=60, comment="titan warehouse")
    reader = Role(name=f"{PREFIX}READER", comment="reads")
    writer = Role(name=f"{PREFIX}WRITER")
    return [
        db,
        schema,
        wh,
        reader,
        writer,
        RoleGrant(role=reader, to_role=writer),
        RoleGrant(role=writer, to_role="SYSADMIN"),
        Grant(priv="USAGE", on=wh, to=reader),
        Grant(priv="USAGE", on=db, to=reader),
        Grant(priv="USAGE", on=schema, to=reader),
        Grant(priv="CREATE TABLE", on=schema, to=writer),
    ]


def main():
    port = int(sys.argv[1])
    session = snowflake.connector.connect(
        account="titanacct", user="admin", password="admin", role="SYSADMIN",
        host="127.0.0.1", port=port, protocol="http",
        login_timeout=20, network_timeout=20, platform_detection_timeout_seconds=0.0,
    )
    first = Blueprint(resources=resources()).plan(session)
    print_plan(first)
    if not first:
        sys.exit("titan: the plan on an empty account is empty")
    Blueprint(resources=resources()).apply(session, first)
    again = Blueprint(resources=resources()).plan(session)
    if again:
        print_plan(again)
        sys.exit(f"titan: re-plan after apply is not empty ({len(again)} changes)")
    print(f"titan: {len(first)} changes applied, re-plan empty")


if __name__ == "__main__":
    os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
    main()
