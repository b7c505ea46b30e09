"""Database roles as CREATE / ALTER / DROP / SHOW DATABASE ROLES, GRANT ...
TO DATABASE ROLE and GRANT DATABASE ROLE document them."""

import pytest
from snowflake.connector.errors import ProgrammingError

from conftest import q


def test_database_roles(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    try:
        status = q(cur, f"CREATE DATABASE ROLE {name}.READER COMMENT = 'reads'")
        assert status[0]["status"] == "Database role READER successfully created."
        q(cur, f"CREATE DATABASE ROLE {name}.WRITER")
        rows = q(cur, f"SHOW DATABASE ROLES IN DATABASE {name}")
        assert [r["name"] for r in rows] == ["READER", "WRITER"]
        assert rows[0]["comment"] == "reads"
        assert list(rows[0].keys()) == [
            "created_on", "name", "is_default", "is_current", "is_inherited", "granted_to_roles",
            "granted_to_database_roles", "granted_database_roles", "owner", "comment", "owner_role_type"]

        q(cur, f"GRANT USAGE ON SCHEMA {name}.PUBLIC TO DATABASE ROLE {name}.READER")
        q(cur, f"GRANT DATABASE ROLE {name}.READER TO DATABASE ROLE {name}.WRITER")
        q(cur, f"GRANT DATABASE ROLE {name}.WRITER TO ROLE SYSADMIN")
        to = q(cur, f"SHOW GRANTS TO DATABASE ROLE {name}.READER")
        assert [(g["privilege"], g["granted_on"], g["name"], g["granted_to"]) for g in to] == [
            ("USAGE", "SCHEMA", f"{name}.PUBLIC", "DATABASE_ROLE")]
        of = q(cur, f"SHOW GRANTS OF DATABASE ROLE {name}.READER")
        assert [(g["granted_to"], g["grantee_name"]) for g in of] == [("DATABASE_ROLE", f"{name}.WRITER")]
        of = q(cur, f"SHOW GRANTS OF DATABASE ROLE {name}.WRITER")
        assert [(g["granted_to"], g["grantee_name"]) for g in of] == [("ROLE", "SYSADMIN")]
        to_role = q(cur, "SHOW GRANTS TO ROLE SYSADMIN")
        assert any(g["granted_on"] == "DATABASE_ROLE" and g["name"] == f"{name}.WRITER" for g in to_role)

        q(cur, f"REVOKE USAGE ON SCHEMA {name}.PUBLIC FROM DATABASE ROLE {name}.READER")
        assert q(cur, f"SHOW GRANTS TO DATABASE ROLE {name}.READER") == []
        q(cur, f"REVOKE DATABASE ROLE {name}.WRITER FROM ROLE SYSADMIN")
        assert q(cur, f"SHOW GRANTS OF DATABASE ROLE {name}.WRITER") == []
        assert q(cur, f"DROP DATABASE ROLE {name}.READER")[0]["status"] == "READER successfully dropped."
        with pytest.raises(ProgrammingError) as e:
            q(cur, f"SHOW GRANTS TO DATABASE ROLE {name}.READER")
        assert e.value.errno == 2003
    finally:
        q(cur, f"DROP DATABASE {name}")


def test_privileges_only_on_the_same_database(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE DATABASE {name}_OTHER")
    try:
        q(cur, f"CREATE DATABASE ROLE {name}.R")
        with pytest.raises(ProgrammingError):
            q(cur, f"GRANT USAGE ON DATABASE {name}_OTHER TO DATABASE ROLE {name}.R")
        # Future and ALL grants too, even where no object exists yet.
        for target in [f"FUTURE TABLES IN DATABASE {name}_OTHER", f"FUTURE TABLES IN SCHEMA {name}_OTHER.PUBLIC",
                       f"ALL TABLES IN SCHEMA {name}_OTHER.PUBLIC"]:
            with pytest.raises(ProgrammingError) as e:
                q(cur, f"GRANT SELECT ON {target} TO DATABASE ROLE {name}.R")
            assert e.value.errno == 3111, target
        assert q(cur, f"SHOW FUTURE GRANTS IN DATABASE {name}_OTHER") == []
    finally:
        q(cur, f"DROP DATABASE {name}")
        q(cur, f"DROP DATABASE {name}_OTHER")


def future_rows(cur, sql):
    return [(g["privilege"], g["grant_on"], g["name"], g["grant_to"], g["grantee_name"]) for g in q(cur, sql)]


def test_future_and_all_grants_to_a_database_role(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    try:
        q(cur, f"CREATE SCHEMA {name}.S")
        q(cur, f"CREATE TABLE {name}.S.OLD (id INT)")
        q(cur, f"CREATE DATABASE ROLE {name}.READER")
        q(cur, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {name}.S TO DATABASE ROLE {name}.READER")
        q(cur, f"GRANT USAGE ON FUTURE SCHEMAS IN DATABASE {name} TO DATABASE ROLE {name}.READER")
        q(cur, f"GRANT SELECT ON ALL TABLES IN SCHEMA {name}.S TO DATABASE ROLE {name}.READER")
        rows = q(cur, f"SHOW FUTURE GRANTS IN SCHEMA {name}.S")
        assert list(rows[0].keys()) == [
            "created_on", "privilege", "grant_on", "name", "grant_to", "grantee_name", "grant_option"]
        assert future_rows(cur, f"SHOW FUTURE GRANTS IN SCHEMA {name}.S") == [
            ("SELECT", "TABLE", f"{name}.S.<TABLE>", "DATABASE_ROLE", f"{name}.READER")]
        assert future_rows(cur, f"SHOW FUTURE GRANTS IN DATABASE {name}") == [
            ("USAGE", "SCHEMA", f"{name}.<SCHEMA>", "DATABASE_ROLE", f"{name}.READER")]
        assert len(future_rows(cur, f"SHOW FUTURE GRANTS TO DATABASE ROLE {name}.READER")) == 2

        # New objects receive the privileges; the existing table had them from ALL.
        q(cur, f"CREATE TABLE {name}.S.NEW (id INT)")
        q(cur, f"CREATE SCHEMA {name}.LATER")
        to = q(cur, f"SHOW GRANTS TO DATABASE ROLE {name}.READER")
        assert sorted((g["privilege"], g["granted_on"], g["name"]) for g in to) == [
            ("SELECT", "TABLE", f"{name}.S.NEW"), ("SELECT", "TABLE", f"{name}.S.OLD"),
            ("USAGE", "SCHEMA", f"{name}.LATER")]
        assert {g["granted_to"] for g in to} == {"DATABASE_ROLE"}

        # Revoking the future grant leaves what it already gave.
        q(cur, f"REVOKE SELECT ON FUTURE TABLES IN SCHEMA {name}.S FROM DATABASE ROLE {name}.READER")
        assert q(cur, f"SHOW FUTURE GRANTS IN SCHEMA {name}.S") == []
        q(cur, f"CREATE TABLE {name}.S.NEWER (id INT)")
        to = q(cur, f"SHOW GRANTS TO DATABASE ROLE {name}.READER")
        assert f"{name}.S.NEWER" not in {g["name"] for g in to}
        assert f"{name}.S.NEW" in {g["name"] for g in to}

        # Dropping the database role takes its future grants.
        q(cur, f"DROP DATABASE ROLE {name}.READER")
        assert q(cur, f"SHOW FUTURE GRANTS IN DATABASE {name}") == []
    finally:
        q(cur, f"DROP DATABASE {name}")

