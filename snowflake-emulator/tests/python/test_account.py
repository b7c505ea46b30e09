"""What third-party tools (Titan, SnowDDL) found missing, checked against
Snowflake's documented behaviour: CURRENT_SCHEMAS(), SHOW <objects> IN ACCOUNT,
the bootstrap document, `<property> = NULL` and the SNOWFLAKE database."""

import json

import pytest
from snowflake.connector.errors import ProgrammingError

from conftest import q


def one(cur, sql):
    rows = q(cur, sql)
    assert len(rows) == 1, rows
    return rows[0]


def error_code(cur, sql):
    with pytest.raises(ProgrammingError) as e:
        cur.execute(sql)
    return e.value.errno


def test_current_schemas_is_the_search_path(cur, name):
    assert list(one(cur, "SELECT CURRENT_SCHEMAS() AS s").values()) == ["[]"]
    q(cur, f"CREATE DATABASE {name}")
    assert json.loads(one(cur, "SELECT CURRENT_SCHEMAS() AS s")["S"]) == [f"{name}.PUBLIC"]
    q(cur, f"CREATE SCHEMA {name}.APP")
    assert json.loads(one(cur, "SELECT CURRENT_SCHEMAS() AS s")["S"]) == [f"{name}.APP", f"{name}.PUBLIC"]
    assert "CURRENT_SCHEMAS()" in one(cur, "SELECT CURRENT_SCHEMAS()")
    q(cur, f"DROP DATABASE {name}")


@pytest.mark.parametrize("plural,create", [
    ("DATABASES", "CREATE DATABASE {n}"),
    ("WAREHOUSES", "CREATE WAREHOUSE {n}"),
    ("ROLES", "CREATE ROLE {n}"),
    ("USERS", "CREATE USER {n}"),
    ("SCHEMAS", "CREATE SCHEMA {n}_DB.{n}"),
    ("TABLES", "CREATE TABLE {n}_DB.PUBLIC.{n} (id INT)"),
])
def test_show_in_account(cur, name, plural, create):
    q(cur, f"CREATE DATABASE {name}_DB")
    q(cur, create.format(n=name))
    q(cur, "USE DATABASE SNOWFLAKE")
    rows = q(cur, f"SHOW {plural} LIKE '{name}' IN ACCOUNT")
    assert [r["name"] for r in rows] == [name]
    q(cur, f"DROP DATABASE {name}_DB")


@pytest.mark.parametrize("sql", [
    "SHOW WAREHOUSES IN DATABASE SNOWFLAKE",
    "SHOW ROLES IN SCHEMA X",
])
def test_other_scopes_of_account_objects_are_syntax_errors(cur, sql):
    assert error_code(cur, sql) == 1003


def test_bootstrap_document(cur):
    doc = json.loads(list(one(cur, "SELECT SYSTEM$BOOTSTRAP_DATA_REQUEST('ACCOUNT')").values())[0])
    version = one(cur, "SELECT CURRENT_VERSION() AS v")["V"]
    assert doc["serverVersion"] == version
    assert doc["accountInfo"]["serviceLevelName"] == "STANDARD"
    assert doc["accountInfo"]["edition"] == "STANDARD"
    assert doc["accountInfo"]["accountName"] == one(cur, "SELECT CURRENT_ACCOUNT() AS a")["A"]


def test_null_means_not_set(cur, name):
    q(cur, f"CREATE WAREHOUSE {name} COMMENT = NULL RESOURCE_MONITOR = NULL WAREHOUSE_SIZE = NULL")
    wh = one(cur, f"SHOW WAREHOUSES LIKE '{name}'")
    assert (wh["comment"], wh["resource_monitor"], wh["size"]) == ("", "null", "X-Small")
    q(cur, f"ALTER WAREHOUSE {name} SET COMMENT = 'c' AUTO_SUSPEND = 60 MAX_CONCURRENCY_LEVEL = 4")
    q(cur, f"ALTER WAREHOUSE {name} SET COMMENT = NULL AUTO_SUSPEND = NULL MAX_CONCURRENCY_LEVEL = NULL")
    wh = one(cur, f"SHOW WAREHOUSES LIKE '{name}'")
    # AUTO_SUSPEND = NULL is documented as "never suspend", a value of its own.
    assert (wh["comment"], wh["auto_suspend"]) == ("", None)
    level = one(cur, f"SHOW PARAMETERS LIKE 'MAX_CONCURRENCY_LEVEL' IN WAREHOUSE {name}")
    assert (level["value"], level["level"]) == ("8", "")
    # WAREHOUSE_SIZE cannot be unset, so it cannot be set to NULL either.
    assert error_code(cur, f"ALTER WAREHOUSE {name} SET WAREHOUSE_SIZE = NULL") == 1008

    q(cur, f"CREATE DATABASE {name} COMMENT = NULL DATA_RETENTION_TIME_IN_DAYS = NULL")
    db = one(cur, f"SHOW DATABASES LIKE '{name}'")
    assert (db["comment"], db["retention_time"]) == ("", "1")
    q(cur, f"CREATE ROLE {name} COMMENT = NULL")
    assert one(cur, f"SHOW ROLES LIKE '{name}'")["comment"] == ""
    q(cur, f"CREATE USER {name} DEFAULT_ROLE = {name} EMAIL = 'a@b.c'")
    q(cur, f"ALTER USER {name} SET DEFAULT_ROLE = NULL EMAIL = NULL")
    user = one(cur, f"SHOW USERS LIKE '{name}'")
    assert (user["default_role"], user["email"]) == (None, None)
    q(cur, f"ALTER SESSION SET QUERY_TAG = 't'")
    q(cur, f"ALTER SESSION SET QUERY_TAG = NULL")
    assert one(cur, "SHOW PARAMETERS LIKE 'QUERY_TAG'")["level"] == ""
    for kind in ("WAREHOUSE", "DATABASE", "ROLE", "USER"):
        q(cur, f"DROP {kind} {name}")


def test_the_snowflake_database_is_imported_and_read_only(cur, name):
    db = one(cur, "SHOW DATABASES LIKE 'SNOWFLAKE'")
    assert (db["kind"], db["origin"], db["owner"]) == ("IMPORTED DATABASE", "SNOWFLAKE.ACCOUNT_USAGE", "")
    schemas = {r["name"] for r in q(cur, "SHOW SCHEMAS IN DATABASE SNOWFLAKE")}
    assert {"ACCOUNT_USAGE", "INFORMATION_SCHEMA"} <= schemas
    for sql in [
        "DROP DATABASE SNOWFLAKE",
        "CREATE OR REPLACE DATABASE SNOWFLAKE",
        "ALTER DATABASE SNOWFLAKE SET COMMENT = 'x'",
        "ALTER DATABASE SNOWFLAKE RENAME TO SNOWFLAKE2",
        f"CREATE SCHEMA SNOWFLAKE.{name}",
        "DROP SCHEMA SNOWFLAKE.ACCOUNT_USAGE",
        f"CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.{name} (id INT)",
    ]:
        assert error_code(cur, sql) == 3001, sql
    assert "already exists" in one(cur, "CREATE DATABASE IF NOT EXISTS SNOWFLAKE")["status"]
    # Access to it is granted as IMPORTED PRIVILEGES.
    q(cur, f"CREATE ROLE {name}")
    q(cur, f"GRANT IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE TO ROLE {name}")
    grants = q(cur, f"SHOW GRANTS TO ROLE {name}")
    assert [(g["privilege"], g["name"]) for g in grants] == [("IMPORTED PRIVILEGES", "SNOWFLAKE")]
    q(cur, f"DROP ROLE {name}")
