"""The official Python connector against the emulator: login, DDL, SHOW by
column name, errors with Snowflake's codes (issue 4)."""

import pytest
import snowflake.connector
from snowflake.connector.errors import DatabaseError, ProgrammingError

from conftest import FIXTURES, connect, q


def test_connect_and_select(cur):
    assert q(cur, "SELECT 1") == [{"1": 1}]
    row = q(cur, "SELECT 'x' AS a, 2 AS b, TRUE AS c, NULL AS d")[0]
    assert row == {"A": "x", "B": 2, "C": True, "D": None}


def test_wrong_password_fails():
    with pytest.raises(DatabaseError) as e:
        connect(password="wrong")
    # 4.x reports the server's code; 3.x wraps every login failure as 250001.
    assert e.value.errno in (390100, 250001)
    assert "Incorrect username or password was specified." in e.value.msg


def test_unknown_user_fails():
    with pytest.raises(DatabaseError) as e:
        connect(user="nobody")
    assert e.value.errno in (390100, 250001)
    assert "Incorrect username or password was specified." in e.value.msg


def test_database_ddl_and_show(cur, name):
    assert q(cur, f"CREATE DATABASE {name} COMMENT = 'first'") == [{"status": f"Database {name} successfully created."}]
    rows = q(cur, f"SHOW DATABASES LIKE '{name.lower()}'")
    assert [r["name"] for r in rows] == [name]
    r = rows[0]
    assert r["comment"] == "first" and r["options"] == "" and r["retention_time"] == "1"
    assert r["is_current"] == "Y" and r["owner"] == "ACCOUNTADMIN" and r["kind"] == "STANDARD"
    q(cur, f"ALTER DATABASE {name} SET DATA_RETENTION_TIME_IN_DAYS = 3 COMMENT = 'second'")
    r = q(cur, f"SHOW DATABASES LIKE '{name}'")[0]
    assert (r["comment"], r["retention_time"]) == ("second", "3")
    q(cur, f"ALTER DATABASE {name} UNSET COMMENT")
    assert q(cur, f"SHOW DATABASES LIKE '{name}'")[0]["comment"] == ""
    q(cur, f"ALTER DATABASE {name} RENAME TO {name}_2")
    assert q(cur, f"SHOW DATABASES LIKE '{name}%'")[0]["name"] == f"{name}_2"
    assert q(cur, f"DROP DATABASE {name}_2") == [{"status": f"{name}_2 successfully dropped."}]
    assert q(cur, f"SHOW DATABASES LIKE '{name}%'") == []


def test_transient_database_and_schemas(cur, name):
    q(cur, f"CREATE TRANSIENT DATABASE {name}")
    assert q(cur, f"SHOW DATABASES LIKE '{name}'")[0]["options"] == "TRANSIENT"
    q(cur, f"CREATE SCHEMA {name}.S1 WITH MANAGED ACCESS COMMENT = 'c'")
    q(cur, f'CREATE SCHEMA {name}."lower"')
    rows = q(cur, f"SHOW SCHEMAS IN DATABASE {name}")
    assert [r["name"] for r in rows] == ["INFORMATION_SCHEMA", "PUBLIC", "S1", "lower"]
    s1 = rows[2]
    assert s1["options"] == "TRANSIENT, MANAGED ACCESS" and s1["database_name"] == name and s1["comment"] == "c"
    q(cur, f"ALTER SCHEMA {name}.S1 DISABLE MANAGED ACCESS")
    assert q(cur, f"SHOW SCHEMAS LIKE 'S1' IN DATABASE {name}")[0]["options"] == "TRANSIENT"
    assert q(cur, f"SHOW SCHEMAS IN DATABASE {name} STARTS WITH 'l'")[0]["name"] == "lower"
    assert [r["name"] for r in q(cur, f"SHOW SCHEMAS IN DATABASE {name} LIMIT 2")] == ["INFORMATION_SCHEMA", "PUBLIC"]
    assert [r["name"] for r in q(cur, f"SHOW SCHEMAS IN DATABASE {name} LIMIT 2 FROM 'PUBLIC'")] == ["S1", "lower"]
    q(cur, f"DROP DATABASE {name}")
    with pytest.raises(ProgrammingError) as e:
        q(cur, f"SHOW SCHEMAS IN DATABASE {name}")
    assert e.value.errno == 2043 and e.value.sqlstate == "02000"


def test_warehouse_properties(cur, name):
    q(cur, f"CREATE WAREHOUSE {name} WAREHOUSE_SIZE = 'X-SMALL' AUTO_SUSPEND = 300 AUTO_RESUME = TRUE "
           "INITIALLY_SUSPENDED = TRUE MAX_CLUSTER_COUNT = 2 SCALING_POLICY = ECONOMY COMMENT = 'wh'")
    r = q(cur, f"SHOW WAREHOUSES LIKE '{name}'")[0]
    assert r["size"] == "X-Small" and r["state"] == "SUSPENDED" and r["type"] == "STANDARD"
    assert r["auto_suspend"] == 300 and r["auto_resume"] == "true" and r["max_cluster_count"] == 2
    assert r["scaling_policy"] == "ECONOMY" and r["comment"] == "wh" and r["resource_monitor"] == "null"
    assert r["enable_query_acceleration"] == "false"
    for spelling, shown in [("XLARGE", "X-Large"), ("'2X-LARGE'", "2X-Large"), ("X3LARGE", "3X-Large"), ("small", "Small")]:
        q(cur, f"ALTER WAREHOUSE {name} SET WAREHOUSE_SIZE = {spelling}")
        assert q(cur, f"SHOW WAREHOUSES LIKE '{name}'")[0]["size"] == shown
    q(cur, f"ALTER WAREHOUSE {name} RESUME")
    assert q(cur, f"SHOW WAREHOUSES LIKE '{name}'")[0]["state"] == "STARTED"
    q(cur, f"ALTER WAREHOUSE {name} RESUME IF SUSPENDED")
    q(cur, f"ALTER WAREHOUSE {name} SUSPEND")
    q(cur, f"ALTER WAREHOUSE {name} UNSET COMMENT, AUTO_SUSPEND")
    r = q(cur, f"SHOW WAREHOUSES LIKE '{name}'")[0]
    assert r["comment"] == "" and r["auto_suspend"] == 600
    with pytest.raises(ProgrammingError) as e:
        q(cur, f"ALTER WAREHOUSE {name} UNSET WAREHOUSE_SIZE")
    assert e.value.errno == 1003
    with pytest.raises(ProgrammingError) as e:
        q(cur, f"ALTER WAREHOUSE {name} SET WAREHOUSE_SIZE = HUGE")
    assert e.value.errno == 1008
    q(cur, f"DROP WAREHOUSE {name}")


def test_roles_users_and_grants(cur, name):
    q(cur, f"CREATE DATABASE {name}_DB")
    q(cur, f"CREATE ROLE {name} COMMENT = 'r'")
    q(cur, f"CREATE ROLE IF NOT EXISTS {name}")
    q(cur, f"CREATE USER {name}_U PASSWORD = 'p' DEFAULT_ROLE = {name}")
    q(cur, f"GRANT ROLE {name} TO USER {name}_U")
    q(cur, f"GRANT ROLE {name} TO ROLE SYSADMIN")
    q(cur, f"GRANT USAGE ON DATABASE {name}_DB TO ROLE {name}")
    q(cur, f"GRANT ALL PRIVILEGES ON SCHEMA {name}_DB.PUBLIC TO ROLE {name}")
    q(cur, f"GRANT CREATE DATABASE, CREATE WAREHOUSE ON ACCOUNT TO ROLE {name} WITH GRANT OPTION")
    to = q(cur, f"SHOW GRANTS TO ROLE {name}")
    got = {(r["privilege"], r["granted_on"], r["name"]) for r in to}
    assert ("USAGE", "DATABASE", f"{name}_DB") in got
    assert ("CREATE TABLE", "SCHEMA", f"{name}_DB.PUBLIC") in got
    acct = [r for r in to if r["granted_on"] == "ACCOUNT"]
    assert {r["privilege"] for r in acct} == {"CREATE DATABASE", "CREATE WAREHOUSE"}
    assert all(r["grant_option"] == "true" and r["granted_to"] == "ROLE" for r in acct)
    of = q(cur, f"SHOW GRANTS OF ROLE {name}")
    assert {(r["granted_to"], r["grantee_name"]) for r in of} == {("USER", f"{name}_U"), ("ROLE", "SYSADMIN")}
    on = q(cur, "SHOW GRANTS ON ACCOUNT")
    assert any(r["grantee_name"] == name and r["privilege"] == "CREATE DATABASE" for r in on)
    users = q(cur, f"SHOW USERS LIKE '{name}%'")
    assert users[0]["name"] == f"{name}_U" and users[0]["default_role"] == name and users[0]["has_password"] == "true"
    q(cur, f"REVOKE USAGE ON DATABASE {name}_DB FROM ROLE {name}")
    q(cur, f"REVOKE USAGE ON DATABASE {name}_DB FROM ROLE {name}")  # missing grant: still succeeds
    q(cur, f"REVOKE ALL ON SCHEMA {name}_DB.PUBLIC FROM ROLE {name}")
    assert {r["granted_on"] for r in q(cur, f"SHOW GRANTS TO ROLE {name}")} == {"ACCOUNT"}
    q(cur, f"DROP ROLE {name}")
    assert q(cur, f"SHOW GRANTS ON ACCOUNT") == [r for r in q(cur, "SHOW GRANTS ON ACCOUNT") if r["grantee_name"] != name]
    assert not any(r["grantee_name"] == name for r in q(cur, "SHOW GRANTS ON ACCOUNT"))
    q(cur, f"DROP USER {name}_U")
    q(cur, f"DROP DATABASE {name}_DB")


def test_grant_ownership(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE ROLE {name}_A")
    q(cur, f"CREATE ROLE {name}_B")
    q(cur, f"GRANT USAGE ON DATABASE {name} TO ROLE {name}_B")
    with pytest.raises(ProgrammingError):
        q(cur, f"GRANT OWNERSHIP ON DATABASE {name} TO ROLE {name}_A")
    q(cur, f"GRANT OWNERSHIP ON DATABASE {name} TO ROLE {name}_A COPY CURRENT GRANTS")
    assert q(cur, f"SHOW DATABASES LIKE '{name}'")[0]["owner"] == f"{name}_A"
    on = q(cur, f"SHOW GRANTS ON DATABASE {name}")
    assert {(r["privilege"], r["grantee_name"]) for r in on} == {("OWNERSHIP", f"{name}_A"), ("USAGE", f"{name}_B")}
    q(cur, f"GRANT OWNERSHIP ON DATABASE {name} TO ROLE ACCOUNTADMIN REVOKE CURRENT GRANTS")
    assert [r["privilege"] for r in q(cur, f"SHOW GRANTS ON DATABASE {name}")] == ["OWNERSHIP"]
    q(cur, f"DROP DATABASE {name}")


def test_future_grants(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE ROLE {name}_R")
    q(cur, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {name}.PUBLIC TO ROLE {name}_R")
    q(cur, f"GRANT USAGE ON FUTURE SCHEMAS IN DATABASE {name} TO ROLE {name}_R")
    fut = q(cur, f"SHOW FUTURE GRANTS IN SCHEMA {name}.PUBLIC")
    assert [(r["privilege"], r["grant_on"], r["name"], r["grant_to"], r["grantee_name"]) for r in fut] == [
        ("SELECT", "TABLE", f"{name}.PUBLIC.<TABLE>", "ROLE", f"{name}_R")]
    assert q(cur, f"SHOW FUTURE GRANTS IN DATABASE {name}")[0]["name"] == f"{name}.<SCHEMA>"
    q(cur, f"CREATE SCHEMA {name}.NEW_SCHEMA")
    assert any(r["grantee_name"] == f"{name}_R" for r in q(cur, f"SHOW GRANTS ON SCHEMA {name}.NEW_SCHEMA"))
    q(cur, f"CREATE TABLE {name}.PUBLIC.T1 (ID NUMBER(38,0), NAME VARCHAR)")
    assert [r["name"] for r in q(cur, f"SHOW TABLES IN SCHEMA {name}.PUBLIC")] == ["T1"]
    grants = q(cur, f"SHOW GRANTS ON TABLE {name}.PUBLIC.T1")
    assert ("SELECT", f"{name}_R") in {(r["privilege"], r["grantee_name"]) for r in grants}
    q(cur, f"DROP DATABASE {name}")


def test_errors_have_codes(cur, name):
    cases = [
        (f"DROP DATABASE {name}", 2003, "02000", f"Database '{name}' does not exist or not authorized."),
        (f"USE DATABASE {name}", 2043, "02000", "Object does not exist, or operation cannot be performed."),
        (f"CREATE SCHEMA {name}.S", 2003, "02000", f"Database '{name}' does not exist or not authorized."),
        ("CREATE DATABASE", 1003, "42000", "syntax error line 1 at position 15 unexpected '<EOF>'."),
        ("FROBNICATE EVERYTHING", 1003, "42000", "syntax error line 1 at position 0 unexpected 'FROBNICATE'."),
        (f"GRANT USAGE ON DATABASE {name} TO ROLE SYSADMIN", 2003, "02000", f"Database '{name}' does not exist"),
    ]
    for sql, errno, sqlstate, text in cases:
        with pytest.raises(ProgrammingError) as e:
            q(cur, sql)
        assert (e.value.errno, e.value.sqlstate) == (errno, sqlstate), sql
        assert text in e.value.msg, (sql, e.value.msg)
        assert e.value.sfqid
    q(cur, f"CREATE DATABASE {name}")
    with pytest.raises(ProgrammingError) as e:
        q(cur, f"CREATE DATABASE {name}")
    assert (e.value.errno, e.value.sqlstate) == (2002, "42710")
    assert q(cur, f"CREATE DATABASE IF NOT EXISTS {name}") == [{"status": f"{name} already exists, statement succeeded."}]
    q(cur, f"CREATE OR REPLACE DATABASE {name}")
    q(cur, f"DROP DATABASE {name}")
    assert q(cur, f"DROP DATABASE IF EXISTS {name}") == [
        {"status": f"Drop statement executed successfully ({name} already dropped)."}]


def test_identifiers_and_literals(cur, name):
    q(cur, f'CREATE DATABASE "{name.lower()}"')
    q(cur, f"CREATE DATABASE {name.lower()}")
    rows = {r["name"] for r in q(cur, f"SHOW DATABASES LIKE '{name}'")}
    assert rows == {name, name.lower()}
    q(cur, f"CREATE ROLE \"{name}\"\"Q\" COMMENT = 'it''s \\'quoted\\' \\\\ tab\\there'")
    r = q(cur, f"SHOW ROLES LIKE '{name}%'")[0]
    assert r["name"] == f'{name}"Q' and r["comment"] == "it's 'quoted' \\ tab\there"
    q(cur, f'DROP ROLE "{name}""Q"')
    q(cur, f'DROP DATABASE "{name.lower()}"')
    q(cur, f"DROP DATABASE {name}")


def test_use_and_session_context(conn, cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE SCHEMA {name}.S")
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    q(cur, f"USE DATABASE {name}")
    q(cur, "USE SCHEMA S")
    q(cur, f"USE WAREHOUSE {name}_WH")
    q(cur, "USE ROLE SYSADMIN")
    assert conn.database == name and conn.schema == "S" and conn.role == "SYSADMIN"
    q(cur, "USE ROLE ACCOUNTADMIN")
    q(cur, f"DROP WAREHOUSE {name}_WH")
    q(cur, f"DROP DATABASE {name}")


def test_key_pair_login():
    from cryptography.hazmat.primitives import serialization

    with open(f"{FIXTURES}/rsa_key.p8", "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    c = connect(password=None, private_key=key, authenticator="SNOWFLAKE_JWT")
    assert c.cursor().execute("SELECT CURRENT_USER()").fetchone() == ("ADMIN",)
    c.close()


def test_gzip_and_session_close_are_handled():
    # The Python connector gzips every request body and closes with POST /session?delete=true.
    c = connect()
    c.cursor().execute("SHOW ROLES")
    c.close()
    assert c.is_closed()


def test_large_results_in_chunks():
    """With --chunk-rows the emulator serves results beyond the first chunk as
    downloadable chunks, which the connector fetches itself."""
    import os
    import subprocess

    binary = os.environ.get("EMULATOR_BIN")
    if not binary:
        pytest.fail("EMULATOR_BIN is not set: run snowflake-emulator/scripts/conformance")
    proc = subprocess.Popen([binary, "--port", "0", "--chunk-rows", "3"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        c = connect(port=port)
        cur = c.cursor()
        for i in range(10):
            cur.execute(f"CREATE ROLE CHUNK_{i:02}")
        names = [r[1] for r in cur.execute("SHOW ROLES LIKE 'CHUNK%'").fetchall()]
        assert names == [f"CHUNK_{i:02}" for i in range(10)]
        c.close()
    finally:
        proc.kill()
        proc.wait()
