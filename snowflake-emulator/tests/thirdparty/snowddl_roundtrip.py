"""SnowDDL (snowddl, unmodified) against the emulator: plan on an empty
account, apply, re-plan with no changes, with the config in snowddl_config/
(databases, schemas, warehouses, business and technical roles, role grants
and privilege grants).

SnowDDL runs as its docs ask: a dedicated admin role SNOWDDL_ADMIN holding
ACCOUNTADMIN, granted to the user. SnowDDL has no option for a host, port or
protocol, so its app class is subclassed to connect to the emulator
(get_connection only; everything else is SnowDDL's own).

Usage: python snowddl_roundtrip.py PORT. Exits non-zero on any failure."""

import os
import sys
from pathlib import Path

os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")

from snowflake.connector import connect  # noqa: E402
from snowddl.app.base import BaseApp  # noqa: E402

PORT = int(sys.argv[1])
CONFIG = Path(__file__).parent / "snowddl_config"
ADMIN_ROLE = "SNOWDDL_ADMIN"
# The object types under test (SnowDDL's own --include-object-types option):
# the emulator has no file formats, stages, tables with data, tasks, ...
INCLUDE = "database,schema,warehouse,role"


def session(role):
    return connect(
        account="snowddlacct", user="admin", password="admin", role=role,
        host="127.0.0.1", port=PORT, protocol="http", login_timeout=20, network_timeout=20,
    )


class EmulatorApp(BaseApp):
    def get_connection(self):
        return session(self.args["r"])


def run(action):
    """One SnowDDL run; returns its exit status (0 nothing to do, 2 changes, 8 errors)."""
    sys.argv = ["snowddl", "-c", str(CONFIG), "-a", "snowddlacct", "-u", "admin", "-p", "admin",
                "-r", ADMIN_ROLE, "--include-object-types", INCLUDE, "--detailed-exitcode", action]
    try:
        EmulatorApp().execute()
    except SystemExit as e:
        return e.code or 0
    return 0


def main():
    with session("ACCOUNTADMIN") as c:
        for sql in [f"CREATE ROLE {ADMIN_ROLE}", f"GRANT ROLE ACCOUNTADMIN TO ROLE {ADMIN_ROLE}",
                    f"GRANT ROLE {ADMIN_ROLE} TO USER admin"]:
            c.cursor().execute(sql)
    steps = [("plan", 2), ("apply", 2), ("plan", 0)]
    for action, want in steps:
        print(f"==> snowddl {action}", flush=True)
        got = run(action)
        if got != want:
            sys.exit(f"snowddl {action}: exit status {got}, expected {want}")
    print("snowddl: plan found changes, apply made them, re-plan empty")


if __name__ == "__main__":
    main()
