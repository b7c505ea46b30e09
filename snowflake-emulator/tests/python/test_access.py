"""Access control as Snowflake documents it ("Overview of access control",
"Access control privileges", the statements' "Access control requirements",
USE ROLE / USE SECONDARY ROLES): who may create, alter, drop, grant and see
what.

Each row of CASES runs in a fresh session: as ACCOUNTADMIN it creates a role
`{r}` (granted to the login user) and runs the row's setup (`{n}` is a fresh
name prefix; `{n}_DB` with schema `{n}_DB.S` and table `{n}_DB.S.T`,
warehouse `{n}_WH` and role `{n}_G` exist already, all owned by
ACCOUNTADMIN); then it switches to `USE ROLE {r}` with the row's secondary
roles and runs the statement, which must succeed (None) or fail with the
error code given."""

import os
import subprocess
import uuid

import pytest
from snowflake.connector.errors import DatabaseError, ProgrammingError

from conftest import connect, q

OWN = "GRANT OWNERSHIP ON {what} TO ROLE {r} COPY CURRENT GRANTS"
USAGE_DB = "GRANT USAGE ON DATABASE {n}_DB TO ROLE {r}"
USAGE_S = "GRANT USAGE ON SCHEMA {n}_DB.S TO ROLE {r}"
TASK = "CREATE TASK {n}_DB.S.TK SCHEDULE = '5 MINUTE' AS SELECT 1"

# (id, setup run as ACCOUNTADMIN, statement run as {r}, expected error code or None, secondary roles)
CASES = [
    # --- account privileges and the system roles' defaults ---
    ("create-db-without-privilege", [], "CREATE DATABASE {n}_NEW", 3001, "NONE"),
    ("create-db-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"], "CREATE DATABASE {n}_NEW", None, "NONE"),
    ("create-db-granted", ["GRANT CREATE DATABASE ON ACCOUNT TO ROLE {r}"], "CREATE DATABASE {n}_NEW", None, "NONE"),
    ("create-wh-without-privilege", [], "CREATE WAREHOUSE {n}_NEW", 3001, "NONE"),
    ("create-wh-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"], "CREATE WAREHOUSE {n}_NEW", None, "NONE"),
    ("create-role-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"], "CREATE ROLE {n}_NEW", 3001, "NONE"),
    ("create-role-as-useradmin", ["GRANT ROLE USERADMIN TO ROLE {r}"], "CREATE ROLE {n}_NEW", None, "NONE"),
    ("create-user-as-securityadmin", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"], "CREATE USER {n}_NEW", None, "NONE"),
    ("create-user-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"], "CREATE USER {n}_NEW", 3001, "NONE"),
    # --- resource monitors: account administrators only ---
    ("create-monitor-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"], "CREATE RESOURCE MONITOR {n}_RM", 3001, "NONE"),
    ("create-monitor-as-accountadmin", ["GRANT ROLE ACCOUNTADMIN TO ROLE {r}"], "CREATE RESOURCE MONITOR {n}_RM", None,
     "NONE"),
    ("assign-monitor-as-warehouse-owner",
     ["CREATE RESOURCE MONITOR {n}_RM", OWN.format(what="WAREHOUSE {n}_WH", r="{r}")],
     "ALTER WAREHOUSE {n}_WH SET RESOURCE_MONITOR = {n}_RM", 3001, "NONE"),
    ("create-wh-with-monitor-as-sysadmin", ["CREATE RESOURCE MONITOR {n}_RM", "GRANT ROLE SYSADMIN TO ROLE {r}"],
     "CREATE WAREHOUSE {n}_NEW RESOURCE_MONITOR = {n}_RM", 3001, "NONE"),
    ("set-account-monitor-as-sysadmin", ["CREATE RESOURCE MONITOR {n}_RM", "GRANT ROLE SYSADMIN TO ROLE {r}"],
     "ALTER ACCOUNT SET RESOURCE_MONITOR = {n}_RM", 3001, "NONE"),
    ("alter-account-as-securityadmin", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"],
     "ALTER ACCOUNT SET TIMEZONE = 'UTC'", 3001, "NONE"),
    # --- the primary role creates; secondary roles do everything else ---
    ("create-db-secondary-only", [], "CREATE DATABASE {n}_NEW", 3001, "ALL"),
    ("drop-db-through-secondary", [], "DROP DATABASE {n}_DB", None, "ALL"),
    # --- container privileges ---
    ("create-schema-invisible-db", [], "CREATE SCHEMA {n}_DB.NEW", 2003, "NONE"),
    ("create-schema-usage-only", [USAGE_DB], "CREATE SCHEMA {n}_DB.NEW", 3001, "NONE"),
    ("create-schema-granted", [USAGE_DB, "GRANT CREATE SCHEMA ON DATABASE {n}_DB TO ROLE {r}"],
     "CREATE SCHEMA {n}_DB.NEW", None, "NONE"),
    ("create-table-usage-only", [USAGE_DB, USAGE_S], "CREATE TABLE {n}_DB.S.NEW (id INT)", 3001, "NONE"),
    ("create-table-granted", [USAGE_DB, USAGE_S, "GRANT CREATE TABLE ON SCHEMA {n}_DB.S TO ROLE {r}"],
     "CREATE TABLE {n}_DB.S.NEW (id INT)", None, "NONE"),
    ("create-table-in-owned-schema", [USAGE_DB, OWN.format(what="SCHEMA {n}_DB.S", r="{r}")],
     "CREATE TABLE {n}_DB.S.NEW (id INT)", None, "NONE"),
    ("replace-db-not-owned", ["GRANT ROLE SYSADMIN TO ROLE {r}", USAGE_DB], "CREATE OR REPLACE DATABASE {n}_DB", 3001,
     "NONE"),
    # --- ALTER / DROP: ownership or the kind's privilege ---
    ("drop-db-invisible", [], "DROP DATABASE {n}_DB", 2003, "NONE"),
    ("drop-db-if-exists-invisible", [], "DROP DATABASE IF EXISTS {n}_DB", None, "NONE"),
    ("drop-db-usage-only", [USAGE_DB], "DROP DATABASE {n}_DB", 3001, "NONE"),
    ("drop-db-owned", [OWN.format(what="DATABASE {n}_DB", r="{r}")], "DROP DATABASE {n}_DB", None, "NONE"),
    ("drop-table-owned", [USAGE_DB, USAGE_S, OWN.format(what="TABLE {n}_DB.S.T", r="{r}")],
     "DROP TABLE {n}_DB.S.T", None, "NONE"),
    ("alter-db-modify", ["GRANT MODIFY ON DATABASE {n}_DB TO ROLE {r}"],
     "ALTER DATABASE {n}_DB SET COMMENT = 'x'", None, "NONE"),
    ("rename-db-modify", ["GRANT MODIFY ON DATABASE {n}_DB TO ROLE {r}"],
     "ALTER DATABASE {n}_DB RENAME TO {n}_DB2", 3001, "NONE"),
    ("alter-wh-usage-only", ["GRANT USAGE ON WAREHOUSE {n}_WH TO ROLE {r}"],
     "ALTER WAREHOUSE {n}_WH SET COMMENT = 'x'", 3001, "NONE"),
    ("alter-wh-modify", ["GRANT MODIFY ON WAREHOUSE {n}_WH TO ROLE {r}"],
     "ALTER WAREHOUSE {n}_WH SET WAREHOUSE_SIZE = SMALL", None, "NONE"),
    ("suspend-wh-operate", ["GRANT OPERATE ON WAREHOUSE {n}_WH TO ROLE {r}"], "ALTER WAREHOUSE {n}_WH SUSPEND", None,
     "NONE"),
    ("suspend-wh-modify", ["GRANT MODIFY ON WAREHOUSE {n}_WH TO ROLE {r}"], "ALTER WAREHOUSE {n}_WH SUSPEND", 3001,
     "NONE"),
    ("alter-wh-invisible", [], "ALTER WAREHOUSE {n}_WH SET COMMENT = 'x'", 2003, "NONE"),
    ("alter-wh-if-exists-invisible", [], "ALTER WAREHOUSE IF EXISTS {n}_WH SET COMMENT = 'x'", None, "NONE"),
    ("drop-role-not-owned", ["GRANT ROLE USERADMIN TO ROLE {r}"], "DROP ROLE {n}_G", 2003, "NONE"),
    ("drop-role-owned", [OWN.format(what="ROLE {n}_G", r="{r}")], "DROP ROLE {n}_G", None, "NONE"),
    ("alter-own-user-defaults", [], "ALTER USER ADMIN UNSET DEFAULT_NAMESPACE", None, "NONE"),
    ("alter-own-user-comment", [], "ALTER USER ADMIN SET COMMENT = 'x'", 3001, "NONE"),
    # --- GRANT / REVOKE ---
    ("grant-invisible", [], "GRANT USAGE ON DATABASE {n}_DB TO ROLE {n}_G", 2003, "NONE"),
    ("grant-usage-only", [USAGE_DB], "GRANT USAGE ON DATABASE {n}_DB TO ROLE {n}_G", 3001, "NONE"),
    ("grant-with-grant-option", ["GRANT USAGE ON DATABASE {n}_DB TO ROLE {r} WITH GRANT OPTION"],
     "GRANT USAGE ON DATABASE {n}_DB TO ROLE {n}_G", None, "NONE"),
    ("grant-as-owner", [OWN.format(what="DATABASE {n}_DB", r="{r}")],
     "GRANT USAGE ON DATABASE {n}_DB TO ROLE {n}_G", None, "NONE"),
    ("revoke-usage-only", [USAGE_DB], "REVOKE USAGE ON DATABASE {n}_DB FROM ROLE {n}_G", 3001, "NONE"),
    ("grant-manage-grants", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"],
     "GRANT USAGE ON DATABASE {n}_DB TO ROLE {n}_G", None, "NONE"),
    ("grant-on-account-as-sysadmin", ["GRANT ROLE SYSADMIN TO ROLE {r}"],
     "GRANT CREATE DATABASE ON ACCOUNT TO ROLE {n}_G", 3001, "NONE"),
    ("grant-on-account-as-securityadmin", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"],
     "GRANT CREATE DATABASE ON ACCOUNT TO ROLE {n}_G", None, "NONE"),
    ("future-grant-as-owner", [OWN.format(what="DATABASE {n}_DB", r="{r}")],
     "GRANT SELECT ON FUTURE TABLES IN DATABASE {n}_DB TO ROLE {n}_G", 3001, "NONE"),
    ("future-grant-manage-grants", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"],
     "GRANT SELECT ON FUTURE TABLES IN DATABASE {n}_DB TO ROLE {n}_G", None, "NONE"),
    ("managed-table-owner-cannot-grant",
     ["ALTER SCHEMA {n}_DB.S ENABLE MANAGED ACCESS", USAGE_DB, USAGE_S, OWN.format(what="TABLE {n}_DB.S.T", r="{r}")],
     "GRANT SELECT ON TABLE {n}_DB.S.T TO ROLE {n}_G", 3001, "NONE"),
    ("managed-schema-owner-grants",
     ["ALTER SCHEMA {n}_DB.S ENABLE MANAGED ACCESS", USAGE_DB, OWN.format(what="SCHEMA {n}_DB.S", r="{r}")],
     "GRANT SELECT ON TABLE {n}_DB.S.T TO ROLE {n}_G", None, "NONE"),
    ("managed-schema-owner-future",
     ["ALTER SCHEMA {n}_DB.S ENABLE MANAGED ACCESS", USAGE_DB, OWN.format(what="SCHEMA {n}_DB.S", r="{r}")],
     "GRANT SELECT ON FUTURE TABLES IN SCHEMA {n}_DB.S TO ROLE {n}_G", None, "NONE"),
    ("future-grant-to-database-role-as-owner", ["CREATE DATABASE ROLE {n}_DB.DR", OWN.format(what="DATABASE {n}_DB", r="{r}")],
     "GRANT SELECT ON FUTURE TABLES IN DATABASE {n}_DB TO DATABASE ROLE {n}_DB.DR", 3001, "NONE"),
    ("future-grant-to-database-role-manage-grants", ["CREATE DATABASE ROLE {n}_DB.DR", "GRANT ROLE SECURITYADMIN TO ROLE {r}"],
     "GRANT SELECT ON FUTURE TABLES IN SCHEMA {n}_DB.S TO DATABASE ROLE {n}_DB.DR", None, "NONE"),
    ("managed-schema-owner-future-to-database-role",
     ["CREATE DATABASE ROLE {n}_DB.DR", "ALTER SCHEMA {n}_DB.S ENABLE MANAGED ACCESS", USAGE_DB,
      OWN.format(what="SCHEMA {n}_DB.S", r="{r}")],
     "GRANT SELECT ON FUTURE TABLES IN SCHEMA {n}_DB.S TO DATABASE ROLE {n}_DB.DR", None, "NONE"),
    ("grant-ownership-usage-only", [USAGE_DB], "GRANT OWNERSHIP ON DATABASE {n}_DB TO ROLE {n}_G", 3001, "NONE"),
    ("grant-ownership-as-owner", [OWN.format(what="DATABASE {n}_DB", r="{r}")],
     "GRANT OWNERSHIP ON DATABASE {n}_DB TO ROLE {n}_G COPY CURRENT GRANTS", None, "NONE"),
    ("grant-role-not-owned", [], "GRANT ROLE {n}_G TO ROLE {r}", 2003, "NONE"),
    ("grant-role-owned", [OWN.format(what="ROLE {n}_G", r="{r}")], "GRANT ROLE {n}_G TO ROLE SYSADMIN", None, "NONE"),
    ("grant-role-securityadmin", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"], "GRANT ROLE {n}_G TO ROLE SYSADMIN", None,
     "NONE"),
    # --- tasks: CREATE TASK on the schema; OPERATE or ownership, plus EXECUTE TASK on the account ---
    ("create-task-usage-only", [USAGE_DB, USAGE_S], "CREATE TASK {n}_DB.S.NEW AS SELECT 1", 3001, "NONE"),
    ("create-task-granted", [USAGE_DB, USAGE_S, "GRANT CREATE TASK ON SCHEMA {n}_DB.S TO ROLE {r}"],
     "CREATE TASK {n}_DB.S.NEW AS SELECT 1", None, "NONE"),
    ("execute-task-without-execute-task", [TASK, USAGE_DB, USAGE_S, OWN.format(what="TASK {n}_DB.S.TK", r="{r}")],
     "EXECUTE TASK {n}_DB.S.TK", 3001, "NONE"),
    ("execute-task-granted", [TASK, USAGE_DB, USAGE_S, "GRANT OPERATE ON TASK {n}_DB.S.TK TO ROLE {r}",
                              "GRANT EXECUTE TASK ON ACCOUNT TO ROLE {r}"],
     "EXECUTE TASK {n}_DB.S.TK", None, "NONE"),
    ("resume-task-without-execute-task", [TASK, USAGE_DB, USAGE_S, "GRANT OPERATE ON TASK {n}_DB.S.TK TO ROLE {r}"],
     "ALTER TASK {n}_DB.S.TK RESUME", 3001, "NONE"),
    ("alter-task-operate-only", [TASK, USAGE_DB, USAGE_S, "GRANT OPERATE ON TASK {n}_DB.S.TK TO ROLE {r}"],
     "ALTER TASK {n}_DB.S.TK SET COMMENT = 'x'", 3001, "NONE"),
    ("drop-task-invisible", [TASK], "DROP TASK {n}_DB.S.TK", 2003, "NONE"),
    # --- USE and visibility ---
    ("use-role-not-granted", [], "USE ROLE {n}_G", 2003, "NONE"),
    ("use-role-through-hierarchy", ["GRANT ROLE {n}_G TO ROLE {r}"], "USE ROLE {n}_G", None, "NONE"),
    ("use-db-invisible", [], "USE DATABASE {n}_DB", 2043, "NONE"),
    ("use-db-usage", [USAGE_DB], "USE DATABASE {n}_DB", None, "NONE"),
    ("use-wh-monitor-only", ["GRANT MONITOR ON WAREHOUSE {n}_WH TO ROLE {r}"], "USE WAREHOUSE {n}_WH", 3001, "NONE"),
    ("describe-invisible", [], "DESCRIBE DATABASE {n}_DB", 2003, "NONE"),
    ("describe-visible", [USAGE_DB], "DESCRIBE DATABASE {n}_DB", None, "NONE"),
    ("show-grants-on-invisible", [], "SHOW GRANTS ON DATABASE {n}_DB", 2003, "NONE"),
    ("show-grants-on-manage-grants", ["GRANT ROLE SECURITYADMIN TO ROLE {r}"], "SHOW GRANTS ON DATABASE {n}_DB", None,
     "NONE"),
    ("show-schemas-in-invisible", [], "SHOW SCHEMAS IN DATABASE {n}_DB", 2043, "NONE"),
]


def run_as(cur, n, setup, statement, secondary):
    r = f"{n}_R"
    for sql in [
        f"CREATE ROLE {r}", f"GRANT ROLE {r} TO USER ADMIN",
        f"CREATE DATABASE {n}_DB", f"CREATE SCHEMA {n}_DB.S", f"CREATE TABLE {n}_DB.S.T (id INT)",
        f"CREATE WAREHOUSE {n}_WH", f"CREATE ROLE {n}_G",
    ] + [s.format(n=n, r=r) for s in setup]:
        cur.execute(sql)
    cur.execute(f"USE ROLE {r}")
    cur.execute(f"USE SECONDARY ROLES {secondary}")
    cur.execute(statement.format(n=n, r=r))


@pytest.mark.parametrize("setup,statement,expected,secondary",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_access(conn, name, setup, statement, expected, secondary):
    cur = conn.cursor()
    if expected is None:
        run_as(cur, name, setup, statement, secondary)
    else:
        with pytest.raises(ProgrammingError) as e:
            run_as(cur, name, setup, statement, secondary)
        assert e.value.errno == expected, e.value.msg
        if expected == 3001:
            assert "Insufficient privileges to operate on" in e.value.msg
        if expected == 2003:
            assert "does not exist or not authorized" in e.value.msg


def names(cur, sql):
    return sorted(r["name"] for r in q(cur, sql))


def test_show_lists_what_the_roles_may_see(cur, name):
    for sql in [f"CREATE ROLE {name}_R", f"GRANT ROLE {name}_R TO USER ADMIN",
                f"CREATE DATABASE {name}_A", f"CREATE DATABASE {name}_B", f"CREATE SCHEMA {name}_A.HIDDEN",
                f"CREATE WAREHOUSE {name}_WA", f"CREATE WAREHOUSE {name}_WB",
                f"GRANT USAGE ON DATABASE {name}_A TO ROLE {name}_R",
                f"GRANT MONITOR ON WAREHOUSE {name}_WB TO ROLE {name}_R",
                f"USE ROLE {name}_R", "USE SECONDARY ROLES NONE"]:
        q(cur, sql)
    assert names(cur, f"SHOW DATABASES LIKE '{name}%'") == [f"{name}_A"]
    assert names(cur, f"SHOW DATABASES LIKE '{name}%' LIMIT 1") == [f"{name}_A"]
    assert names(cur, f"SHOW WAREHOUSES LIKE '{name}%'") == [f"{name}_WB"]
    assert names(cur, f"SHOW SCHEMAS IN DATABASE {name}_A") == ["INFORMATION_SCHEMA"]
    assert f"{name}_R" in names(cur, "SHOW ROLES")
    # objects the role creates are its own, and so visible
    q(cur, "USE ROLE ACCOUNTADMIN")
    q(cur, f"GRANT CREATE SCHEMA ON DATABASE {name}_A TO ROLE {name}_R")
    q(cur, f"USE ROLE {name}_R")
    q(cur, f"CREATE SCHEMA {name}_A.MINE")
    assert names(cur, f"SHOW SCHEMAS IN DATABASE {name}_A") == ["INFORMATION_SCHEMA", "MINE"]
    assert [r["owner"] for r in q(cur, f"SHOW SCHEMAS LIKE 'MINE' IN DATABASE {name}_A")] == [f"{name}_R"]
    # ACCOUNTADMIN sees everything
    q(cur, "USE ROLE ACCOUNTADMIN")
    assert names(cur, f"SHOW DATABASES LIKE '{name}%'") == [f"{name}_A", f"{name}_B"]


@pytest.fixture
def own_emulator():
    """An emulator of its own: these tests change the login user."""
    binary = os.environ.get("EMULATOR_BIN")
    if not binary:
        pytest.fail("EMULATOR_BIN is not set: run snowflake-emulator/scripts/conformance")
    proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        yield int(proc.stdout.readline().strip().rsplit(":", 1)[1])
    finally:
        proc.kill()
        proc.wait()


def test_login_user_reshaped_into_a_ci_service_user(own_emulator):
    c = connect(port=own_emulator)
    cur = c.cursor()
    for sql in ["GRANT ROLE SYSADMIN TO USER ADMIN", "GRANT ROLE SECURITYADMIN TO USER ADMIN",
                "ALTER USER ADMIN SET DEFAULT_ROLE = SYSADMIN DEFAULT_SECONDARY_ROLES = ()",
                "REVOKE ROLE ACCOUNTADMIN FROM USER ADMIN"]:
        cur.execute(sql)
    c.close()
    with pytest.raises(DatabaseError) as e:
        connect(port=own_emulator, role="ACCOUNTADMIN")
    # 4.x reports the server's code; 3.x wraps it as 250001 with the server's message
    assert e.value.errno in (390189, 250001)
    assert "Role 'ACCOUNTADMIN' specified in the connect string does not exist or not authorized" in str(e.value)
    c = connect(port=own_emulator)
    cur = c.cursor()
    assert cur.execute("SELECT CURRENT_ROLE()").fetchone()[0] == "SYSADMIN"
    assert cur.execute("SELECT CURRENT_SECONDARY_ROLES()").fetchone()[0] == '{"roles":"","value":""}'
    cur.execute("CREATE DATABASE CI_DB")
    cur.execute("CREATE WAREHOUSE CI_WH")
    with pytest.raises(ProgrammingError) as e:
        cur.execute("CREATE ROLE CI_ROLE")
    assert e.value.errno == 3001
    with pytest.raises(ProgrammingError) as e:
        cur.execute("USE ROLE ACCOUNTADMIN")
    assert e.value.errno == 2003
    cur.execute("USE ROLE SECURITYADMIN")
    cur.execute("CREATE ROLE CI_ROLE")
    cur.execute("GRANT USAGE ON DATABASE CI_DB TO ROLE CI_ROLE")
    cur.execute("GRANT ROLE CI_ROLE TO ROLE SYSADMIN")
    with pytest.raises(ProgrammingError) as e:
        cur.execute("ALTER ACCOUNT SET TIMEZONE = 'UTC'")
    assert e.value.errno == 3001
    with pytest.raises(ProgrammingError) as e:
        cur.execute("CREATE DATABASE CI_DB2")
    assert e.value.errno == 3001
    # SECURITYADMIN (MANAGE GRANTS) sees SYSADMIN's database but cannot drop it
    assert [r[1] for r in cur.execute("SHOW DATABASES LIKE 'CI_DB'").fetchall()] == ["CI_DB"]
    with pytest.raises(ProgrammingError) as e:
        cur.execute("DROP DATABASE CI_DB")
    assert e.value.errno == 3001
    cur.execute("USE SECONDARY ROLES ALL")
    cur.execute("DROP DATABASE CI_DB")
    c.close()


@pytest.fixture
def emulator_with_ci_login():
    """An emulator accepting a second password login, `ci` / `secret`."""
    binary = os.environ.get("EMULATOR_BIN")
    if not binary:
        pytest.fail("EMULATOR_BIN is not set: run snowflake-emulator/scripts/conformance")
    proc = subprocess.Popen([binary, "--port", "0", "--login", "ci:secret"],
                            stdout=subprocess.PIPE, text=True)
    try:
        yield int(proc.stdout.readline().strip().rsplit(":", 1)[1])
    finally:
        proc.kill()
        proc.wait()


def test_another_login_needs_its_user_and_gets_its_roles(emulator_with_ci_login):
    port = emulator_with_ci_login
    # No such user yet: Snowflake's wrong-credentials answer.
    with pytest.raises(DatabaseError) as e:
        connect(port=port, user="ci", password="secret")
    assert "Incorrect username or password was specified" in str(e.value)
    admin = connect(port=port).cursor()
    admin.execute("CREATE USER CI DEFAULT_ROLE = SYSADMIN")
    admin.execute("GRANT ROLE SYSADMIN TO USER CI")
    with pytest.raises(DatabaseError):
        connect(port=port, user="ci", password="wrong")
    ci = connect(port=port, user="ci", password="secret").cursor()
    assert ci.execute("SELECT CURRENT_USER(), CURRENT_ROLE()").fetchone() == ("CI", "SYSADMIN")
    with pytest.raises(ProgrammingError) as e:
        ci.execute("USE ROLE ACCOUNTADMIN")
    assert e.value.errno == 2003
    admin.execute("ALTER USER CI SET DISABLED = TRUE")
    with pytest.raises(DatabaseError):
        connect(port=port, user="ci", password="secret")
