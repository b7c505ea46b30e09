"""Session context and account metadata that tools read first (issue 7)."""

import json

import pytest
from snowflake.connector.errors import ProgrammingError

from conftest import connect, q

SYSTEM_ROLES = ["ACCOUNTADMIN", "ORGADMIN", "PUBLIC", "SECURITYADMIN", "SYSADMIN", "USERADMIN"]


def test_context_functions_in_one_row(cur):
    row = q(cur, "SELECT CURRENT_ACCOUNT(), CURRENT_ACCOUNT_NAME() AS acct_name, CURRENT_ORGANIZATION_NAME(), "
                 "CURRENT_REGION(), CURRENT_VERSION(), CURRENT_USER(), CURRENT_ROLE() role, CURRENT_SESSION(), "
                 "CURRENT_DATABASE(), CURRENT_SCHEMA(), CURRENT_WAREHOUSE(), 1, 'lit' AS \"quoted Alias\"")[0]
    assert row["CURRENT_ACCOUNT()"] == "TESTACCT" and row["ACCT_NAME"] == "TESTACCT"
    assert row["CURRENT_ORGANIZATION_NAME()"] and row["CURRENT_REGION()"] and row["CURRENT_VERSION()"]
    assert row["CURRENT_USER()"] == "ADMIN" and row["ROLE"] == "ACCOUNTADMIN"
    assert row["CURRENT_SESSION()"].isdigit()
    assert row["CURRENT_DATABASE()"] is None and row["CURRENT_SCHEMA()"] is None and row["CURRENT_WAREHOUSE()"] is None
    assert row["1"] == 1 and row["quoted Alias"] == "lit"


def test_context_follows_use(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE SCHEMA {name}.S2")
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    q(cur, f"USE DATABASE {name}")
    assert q(cur, "SELECT CURRENT_DATABASE() d, CURRENT_SCHEMA() s")[0] == {"D": name, "S": "PUBLIC"}
    q(cur, "USE SCHEMA S2")
    q(cur, f"USE WAREHOUSE {name}_WH")
    q(cur, "USE ROLE SYSADMIN")
    row = q(cur, "SELECT CURRENT_SCHEMA() s, CURRENT_WAREHOUSE() w, CURRENT_ROLE() r")[0]
    assert row == {"S": "S2", "W": f"{name}_WH", "R": "SYSADMIN"}
    q(cur, "USE ROLE ACCOUNTADMIN")
    q(cur, f"DROP WAREHOUSE {name}_WH")
    q(cur, f"DROP DATABASE {name}")


def test_secondary_and_available_roles(cur, name):
    q(cur, f"CREATE ROLE {name}_PARENT")
    q(cur, f"CREATE ROLE {name}_CHILD")
    q(cur, f"GRANT ROLE {name}_CHILD TO ROLE {name}_PARENT")
    q(cur, f"GRANT ROLE {name}_PARENT TO USER admin")
    available = json.loads(q(cur, "SELECT CURRENT_AVAILABLE_ROLES() r")[0]["R"])
    assert {f"{name}_PARENT", f"{name}_CHILD", *SYSTEM_ROLES} - {"ORGADMIN"} <= set(available)
    assert "ORGADMIN" not in available
    q(cur, "USE ROLE SYSADMIN")
    q(cur, "USE SECONDARY ROLES ALL")
    sec = json.loads(q(cur, "SELECT CURRENT_SECONDARY_ROLES() s")[0]["S"])
    assert sec["value"] == "ALL" and f"{name}_PARENT" in sec["roles"].split(",")
    assert q(cur, f"SELECT IS_ROLE_IN_SESSION('{name}_CHILD') x")[0]["X"] is True
    q(cur, "USE SECONDARY ROLES NONE")
    assert json.loads(q(cur, "SELECT CURRENT_SECONDARY_ROLES() s")[0]["S"]) == {"roles": "", "value": ""}
    assert q(cur, f"SELECT IS_ROLE_IN_SESSION('{name}_CHILD') x")[0]["X"] is False
    assert q(cur, "SELECT IS_ROLE_IN_SESSION('PUBLIC') x")[0]["X"] is True
    q(cur, f"USE ROLE {name}_PARENT")
    assert q(cur, f"SELECT IS_ROLE_IN_SESSION('{name}_CHILD') x")[0]["X"] is True
    with pytest.raises(ProgrammingError) as e:
        q(cur, "USE ROLE NO_SUCH_ROLE")
    assert e.value.errno == 2003
    q(cur, "USE ROLE ACCOUNTADMIN")
    q(cur, "USE SECONDARY ROLES ALL")
    q(cur, f"DROP ROLE {name}_PARENT")
    q(cur, f"DROP ROLE {name}_CHILD")


def test_bootstrap_data_and_bundles(cur):
    doc = json.loads(q(cur, "SELECT SYSTEM$BOOTSTRAP_DATA_REQUEST('ACCOUNT') b")[0]["B"])
    assert doc["accountInfo"]["edition"] == "STANDARD"
    bundles = json.loads(q(cur, "SELECT SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES() b")[0]["B"])
    assert isinstance(bundles, list) and {"name", "isDefault", "isEnabled"} <= set(bundles[0])


def test_system_roles_and_hierarchy(cur):
    roles = {r["name"]: r for r in q(cur, "SHOW ROLES")}
    assert set(SYSTEM_ROLES) <= set(roles)
    assert all(roles[r]["owner"] == "" for r in SYSTEM_ROLES)
    assert roles["ACCOUNTADMIN"]["is_current"] == "Y" and roles["ACCOUNTADMIN"]["is_default"] == "Y"
    assert roles["SYSADMIN"]["is_inherited"] == "Y"
    of = lambda r: {(g["granted_to"], g["grantee_name"]) for g in q(cur, f"SHOW GRANTS OF ROLE {r}")}
    assert ("ROLE", "ACCOUNTADMIN") in of("SYSADMIN")
    assert ("ROLE", "ACCOUNTADMIN") in of("SECURITYADMIN")
    assert ("ROLE", "SECURITYADMIN") in of("USERADMIN")
    assert ("USER", "ADMIN") in of("ACCOUNTADMIN")
    users = q(cur, "SHOW USERS LIKE 'ADMIN'")
    assert users[0]["name"] == "ADMIN" and users[0]["default_role"] == "ACCOUNTADMIN"
    to_user = {(g["privilege"], g["name"]) for g in q(cur, "SHOW GRANTS TO USER admin")}
    assert ("USAGE", "ACCOUNTADMIN") in to_user


def test_show_parameters(cur, name):
    q(cur, f"CREATE DATABASE {name} MAX_DATA_EXTENSION_TIME_IN_DAYS = 7")
    q(cur, f"CREATE SCHEMA {name}.S DATA_RETENTION_TIME_IN_DAYS = 0")
    q(cur, f"CREATE WAREHOUSE {name}_WH MAX_CONCURRENCY_LEVEL = 4")
    params = lambda sql: {r["key"]: r for r in q(cur, sql)}
    acct = params("SHOW PARAMETERS IN ACCOUNT")
    for key in ["DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS", "MAX_CONCURRENCY_LEVEL",
                "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "STATEMENT_TIMEOUT_IN_SECONDS", "DEFAULT_DDL_COLLATION"]:
        assert key in acct and acct[key]["level"] == ""
    assert acct["STATEMENT_TIMEOUT_IN_SECONDS"]["value"] == "172800"
    db = params(f"SHOW PARAMETERS IN DATABASE {name}")
    assert db["MAX_DATA_EXTENSION_TIME_IN_DAYS"]["value"] == "7"
    assert db["MAX_DATA_EXTENSION_TIME_IN_DAYS"]["level"] == "DATABASE"
    assert db["MAX_DATA_EXTENSION_TIME_IN_DAYS"]["default"] == "14"
    assert db["DATA_RETENTION_TIME_IN_DAYS"]["level"] == "" and db["DATA_RETENTION_TIME_IN_DAYS"]["type"] == "NUMBER"
    sch = params(f"SHOW PARAMETERS FOR SCHEMA {name}.S")
    assert (sch["DATA_RETENTION_TIME_IN_DAYS"]["value"], sch["DATA_RETENTION_TIME_IN_DAYS"]["level"]) == ("0", "SCHEMA")
    assert (sch["MAX_DATA_EXTENSION_TIME_IN_DAYS"]["value"], sch["MAX_DATA_EXTENSION_TIME_IN_DAYS"]["level"]) == ("7", "DATABASE")
    wh = params(f"SHOW PARAMETERS IN WAREHOUSE {name}_WH")
    assert set(wh) == {"MAX_CONCURRENCY_LEVEL", "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "STATEMENT_TIMEOUT_IN_SECONDS"}
    assert (wh["MAX_CONCURRENCY_LEVEL"]["value"], wh["MAX_CONCURRENCY_LEVEL"]["level"]) == ("4", "WAREHOUSE")
    q(cur, f"ALTER WAREHOUSE {name}_WH SET STATEMENT_TIMEOUT_IN_SECONDS = 60")
    q(cur, f"ALTER WAREHOUSE {name}_WH UNSET MAX_CONCURRENCY_LEVEL")
    wh = params(f"SHOW PARAMETERS LIKE 'statement%' IN WAREHOUSE {name}_WH")
    assert set(wh) == {"STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "STATEMENT_TIMEOUT_IN_SECONDS"}
    assert (wh["STATEMENT_TIMEOUT_IN_SECONDS"]["value"], wh["STATEMENT_TIMEOUT_IN_SECONDS"]["level"]) == ("60", "WAREHOUSE")
    assert params(f"SHOW PARAMETERS IN WAREHOUSE {name}_WH")["MAX_CONCURRENCY_LEVEL"]["level"] == ""
    q(cur, f"DROP WAREHOUSE {name}_WH")
    q(cur, f"DROP DATABASE {name}")


def test_show_future_grants_to_role(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE ROLE {name}_R")
    q(cur, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {name}.PUBLIC TO ROLE {name}_R")
    q(cur, f"GRANT USAGE ON FUTURE SCHEMAS IN DATABASE {name} TO ROLE {name}_R WITH GRANT OPTION")
    rows = q(cur, f"SHOW FUTURE GRANTS TO ROLE {name}_R")
    got = {(r["privilege"], r["grant_on"], r["name"], r["grant_option"]) for r in rows}
    assert got == {("SELECT", "TABLE", f"{name}.PUBLIC.<TABLE>", "false"), ("USAGE", "SCHEMA", f"{name}.<SCHEMA>", "true")}
    q(cur, f"DROP ROLE {name}_R")
    q(cur, f"DROP DATABASE {name}")


def test_never_set_columns(cur, name):
    q(cur, f"CREATE WAREHOUSE {name}")
    wh = q(cur, f"SHOW WAREHOUSES LIKE '{name}'")[0]
    assert wh["generation"] == "1" and wh["resource_constraint"] is None
    assert wh["is_interactive"] == "N" and wh["owner_role_type"] == "ROLE"
    assert wh["warehouse_credit_limit"] is None and wh["target_statement_size"] is None and wh["disabled_reasons"] is None
    q(cur, f"DROP WAREHOUSE {name}")
    q(cur, f"CREATE DATABASE {name}")
    db = q(cur, f"SHOW DATABASES LIKE '{name}'")[0]
    assert db["origin"] == "" and db["object_visibility"] is None and db["data_quality_monitoring_settings"] is None
    sch = q(cur, f"SHOW SCHEMAS LIKE 'PUBLIC' IN DATABASE {name}")[0]
    assert sch["is_nested"] == "N" and sch["owner_role_type"] == "ROLE" and sch["object_visibility"] is None
    q(cur, f"DROP DATABASE {name}")


def test_like_patterns(cur, name):
    for suffix in ["__T_ROLE", "X_T_ROLE", "__TXROLE"]:
        q(cur, f'CREATE ROLE "{name}{suffix}"')
    got = lambda pattern: sorted(r["name"] for r in q(cur, f"SHOW ROLES LIKE '{pattern}'"))
    assert got(f"{name.lower()}%") == sorted(f"{name}{s}" for s in ["__T_ROLE", "X_T_ROLE", "__TXROLE"])
    assert got(f"{name}\\\\_\\\\_T\\\\_ROLE") == [f"{name}__T_ROLE"]
    assert got(f"%\\\\_\\\\_T\\\\_ROLE") == [f"{name}__T_ROLE"]
    assert got(f"{name}__t_role") == sorted(f"{name}{s}" for s in ["__T_ROLE", "X_T_ROLE", "__TXROLE"])
    assert got(f"{name}_\\\\_t\\\\_role") == [f"{name}X_T_ROLE", f"{name}__T_ROLE"]
    for suffix in ["__T_ROLE", "X_T_ROLE", "__TXROLE"]:
        q(cur, f'DROP ROLE "{name}{suffix}"')


def test_dollar_quoted_strings(cur, name):
    q(cur, f"CREATE DATABASE {name} COMMENT = $$it's a 'comment' with \\ backslash$$")
    assert q(cur, f"SHOW DATABASES LIKE $${name}$$")[0]["comment"] == "it's a 'comment' with \\ backslash"
    q(cur, f"ALTER DATABASE {name} SET COMMENT = $$two\nlines$$")
    assert q(cur, f"SHOW DATABASES STARTS WITH $${name}$$")[0]["comment"] == "two\nlines"
    assert q(cur, "SELECT $$x$$ AS v")[0]["V"] == "x"
    q(cur, f"DROP DATABASE {name}")


def test_describe(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE SCHEMA {name}.S")
    q(cur, f"CREATE TABLE {name}.S.T (A INT)")
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    db = q(cur, f"DESCRIBE DATABASE {name}")
    assert [(r["name"], r["kind"]) for r in db] == [("INFORMATION_SCHEMA", "SCHEMA"), ("PUBLIC", "SCHEMA"), ("S", "SCHEMA")]
    assert [(r["name"], r["kind"]) for r in q(cur, f"DESC SCHEMA {name}.S")] == [("T", "TABLE")]
    wh = q(cur, f"DESCRIBE WAREHOUSE {name}_WH")
    assert [(r["name"], r["kind"]) for r in wh] == [(f"{name}_WH", "WAREHOUSE")] and wh[0]["created_on"]
    q(cur, f"DROP WAREHOUSE {name}_WH")
    q(cur, f"DROP DATABASE {name}")


def test_login_role_and_context_from_connect_args(name):
    c = connect()
    cur = c.cursor()
    cur.execute(f"CREATE DATABASE {name}")
    cur.execute(f"CREATE WAREHOUSE {name}_WH")
    c.close()
    c = connect(role="sysadmin", database=name.lower(), warehouse=f"{name.lower()}_wh")
    row = c.cursor().execute("SELECT CURRENT_ROLE(), CURRENT_DATABASE(), CURRENT_SCHEMA(), CURRENT_WAREHOUSE()").fetchone()
    assert row == ("SYSADMIN", name, "PUBLIC", f"{name}_WH")
    c.cursor().execute(f"DROP DATABASE {name}")
    c.cursor().execute(f"DROP WAREHOUSE {name}_WH")
    c.close()
