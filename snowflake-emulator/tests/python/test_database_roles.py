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
    finally:
        q(cur, f"DROP DATABASE {name}")
        q(cur, f"DROP DATABASE {name}_OTHER")
