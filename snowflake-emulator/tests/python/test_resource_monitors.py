"""Resource monitors as CREATE / ALTER / DROP / SHOW RESOURCE MONITORS
document them, and their assignment to warehouses (ALTER WAREHOUSE ... SET
RESOURCE_MONITOR) and to the account (ALTER ACCOUNT SET RESOURCE_MONITOR)."""

import pytest
from snowflake.connector.errors import ProgrammingError

from conftest import q


def row(cur, name):
    rows = q(cur, f"SHOW RESOURCE MONITORS LIKE '{name}'")
    assert len(rows) == 1, rows
    return rows[0]


def test_create_show_alter_drop(cur, name):
    status = q(cur, f"CREATE RESOURCE MONITOR {name} WITH CREDIT_QUOTA = 100 FREQUENCY = MONTHLY "
                    "START_TIMESTAMP = IMMEDIATELY END_TIMESTAMP = '2099-01-01 00:00' "
                    "TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND "
                    "ON 110 PERCENT DO SUSPEND_IMMEDIATE ON 90 PERCENT DO NOTIFY")
    assert status[0]["status"] == f"Resource monitor {name} successfully created."
    r = row(cur, name)
    assert r["credit_quota"] == "100.00"
    assert r["used_credits"] == "0.00"
    assert r["frequency"] == "MONTHLY"
    assert r["start_time"] is not None and r["end_time"] is not None
    assert (r["notify_at"], r["suspend_at"], r["suspend_immediately_at"]) == ("80%,90%", "100%", "110%")
    assert r["level"] is None
    assert r["owner"] == "ACCOUNTADMIN"

    q(cur, f"ALTER RESOURCE MONITOR {name} SET CREDIT_QUOTA = 200 TRIGGERS ON 95 PERCENT DO SUSPEND")
    r = row(cur, name)
    assert r["credit_quota"] == "200.00"
    assert (r["notify_at"], r["suspend_at"], r["suspend_immediately_at"]) == (None, "95%", None)
    q(cur, f"ALTER RESOURCE MONITOR {name} TRIGGERS ON 50 PERCENT DO NOTIFY")
    assert row(cur, name)["notify_at"] == "50%"

    q(cur, f"CREATE WAREHOUSE {name}_WH")
    try:
        q(cur, f"ALTER WAREHOUSE {name}_WH SET RESOURCE_MONITOR = {name}")
        assert row(cur, name)["level"] == "WAREHOUSE"
        wh = q(cur, f"SHOW WAREHOUSES LIKE '{name}_WH'")[0]
        assert wh["resource_monitor"] == name
        assert q(cur, f"DROP RESOURCE MONITOR {name}")[0]["status"] == f"{name} successfully dropped."
        wh = q(cur, f"SHOW WAREHOUSES LIKE '{name}_WH'")[0]
        assert wh["resource_monitor"] == "null"
    finally:
        q(cur, f"DROP WAREHOUSE {name}_WH")


@pytest.mark.parametrize("sql", [
    "CREATE RESOURCE MONITOR {n} WITH FREQUENCY = MONTHLY",
    "CREATE RESOURCE MONITOR {n} TRIGGERS ON 90 PERCENT DO SUSPEND ON 100 PERCENT DO SUSPEND",
    "CREATE RESOURCE MONITOR {n} WITH FREQUENCY = HOURLY START_TIMESTAMP = IMMEDIATELY",
])
def test_invalid_monitors_are_refused(cur, name, sql):
    with pytest.raises(ProgrammingError) as e:
        q(cur, sql.format(n=name))
    assert e.value.errno == 1008


def test_a_warehouse_names_an_existing_monitor(cur, name):
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    try:
        with pytest.raises(ProgrammingError) as e:
            q(cur, f"ALTER WAREHOUSE {name}_WH SET RESOURCE_MONITOR = {name}_NOPE")
        assert e.value.errno == 2003
        assert "does not exist or not authorized" in e.value.msg
    finally:
        q(cur, f"DROP WAREHOUSE {name}_WH")


def test_the_account_has_one_monitor(cur, name):
    q(cur, f"CREATE RESOURCE MONITOR {name}_A WITH CREDIT_QUOTA = 10")
    q(cur, f"CREATE RESOURCE MONITOR {name}_B WITH CREDIT_QUOTA = 20")
    try:
        q(cur, f"ALTER ACCOUNT SET RESOURCE_MONITOR = {name}_A")
        assert row(cur, f"{name}_A")["level"] == "ACCOUNT"
        # Another one replaces it.
        q(cur, f"ALTER ACCOUNT SET RESOURCE_MONITOR = {name}_B")
        assert (row(cur, f"{name}_A")["level"], row(cur, f"{name}_B")["level"]) == (None, "ACCOUNT")
        with pytest.raises(ProgrammingError) as e:
            q(cur, f"ALTER ACCOUNT SET RESOURCE_MONITOR = {name}_NOPE")
        assert e.value.errno == 2003
        assert row(cur, f"{name}_B")["level"] == "ACCOUNT"
        q(cur, "ALTER ACCOUNT UNSET RESOURCE_MONITOR")
        assert row(cur, f"{name}_B")["level"] is None
    finally:
        q(cur, "ALTER ACCOUNT UNSET RESOURCE_MONITOR")
        q(cur, f"DROP RESOURCE MONITOR {name}_A")
        q(cur, f"DROP RESOURCE MONITOR {name}_B")
