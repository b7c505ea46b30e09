"""Tasks, as Snowflake documents them (CREATE TASK, ALTER TASK, SHOW TASKS,
DESCRIBE TASK, EXECUTE TASK, SYSTEM$TASK_DEPENDENTS_ENABLE): properties and
SHOW values, suspended/started states, task graphs and their rules."""

import json

import pytest
from snowflake.connector.errors import ProgrammingError

from conftest import q


def error(cur, sql):
    with pytest.raises(ProgrammingError) as e:
        cur.execute(sql)
    return e.value


def task(cur, name, t="ROOT"):
    rows = q(cur, f"SHOW TASKS LIKE '{t}' IN SCHEMA {name}.S")
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def db(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE SCHEMA {name}.S")
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    yield name
    q(cur, f"DROP DATABASE IF EXISTS {name}")
    q(cur, f"DROP WAREHOUSE {name}_WH")


def test_create_and_show_values(cur, db):
    r = q(cur, f"""CREATE TASK {db}.S.ROOT WAREHOUSE = {db}_WH SCHEDULE = '5 MINUTE'
                   CONFIG = $${{"output_dir": "/temp/"}}$$ ALLOW_OVERLAPPING_EXECUTION = TRUE
                   SUSPEND_TASK_AFTER_NUM_FAILURES = 3 USER_TASK_TIMEOUT_MS = 60000
                   TASK_AUTO_RETRY_ATTEMPTS = 2 COMMENT = 'nightly'
                   AS INSERT INTO t(ts) VALUES (CURRENT_TIMESTAMP);""")
    assert r == [{"status": "Task ROOT successfully created."}]
    t = task(cur, db)
    assert t["name"] == "ROOT"
    assert t["database_name"] == db and t["schema_name"] == "S"
    assert t["owner"] == "ACCOUNTADMIN" and t["owner_role_type"] == "ROLE"
    assert t["comment"] == "nightly"
    assert t["warehouse"] == f"{db}_WH"
    assert t["schedule"] == "5 MINUTE"
    assert json.loads(t["predecessors"]) == []
    assert t["state"] == "suspended"
    assert t["definition"] == "INSERT INTO t(ts) VALUES (CURRENT_TIMESTAMP)"
    assert t["condition"] is None
    assert t["allow_overlapping_execution"] == "true"
    assert t["config"] == '{"output_dir": "/temp/"}'
    assert t["last_committed_on"] is None and t["last_suspended_on"] is None
    assert t["id"]
    d = q(cur, f"DESCRIBE TASK {db}.S.ROOT")
    assert len(d) == 1 and d[0]["id"] == t["id"] and d[0]["definition"] == t["definition"]
    r = q(cur, f"CREATE TASK IF NOT EXISTS {db}.S.ROOT AS SELECT 2")
    assert r == [{"status": "ROOT already exists, statement succeeded."}]
    assert error(cur, f"CREATE TASK {db}.S.ROOT AS SELECT 2").errno == 2002


def test_state_transitions(cur, db):
    q(cur, f"CREATE TASK {db}.S.ROOT SCHEDULE = 'USING CRON 0 9 * * * UTC' AS SELECT 1")
    q(cur, f"ALTER TASK {db}.S.ROOT RESUME")
    t = task(cur, db)
    assert t["state"] == "started" and t["last_committed_on"] is not None
    q(cur, f"ALTER TASK {db}.S.ROOT SUSPEND")
    t = task(cur, db)
    assert t["state"] == "suspended"
    assert t["last_suspended_on"] is not None and t["last_suspended_reason"] == "USER_SUSPENDED"
    q(cur, f"EXECUTE TASK {db}.S.ROOT")
    assert error(cur, f"EXECUTE TASK {db}.S.NOPE").errno == 2003
    r = q(cur, f"ALTER TASK IF EXISTS {db}.S.NOPE RESUME")
    assert r == [{"status": "Statement executed successfully."}]


def test_started_graph_cannot_be_changed(cur, db):
    q(cur, f"CREATE TASK {db}.S.ROOT SCHEDULE = '1 MINUTE' AS SELECT 1")
    q(cur, f"CREATE TASK {db}.S.CHILD AFTER {db}.S.ROOT AS SELECT 2")
    q(cur, f"ALTER TASK {db}.S.ROOT RESUME")
    for sql in [
        f"ALTER TASK {db}.S.ROOT SET COMMENT = 'x'",
        f"ALTER TASK {db}.S.CHILD SET COMMENT = 'x'",
        f"ALTER TASK {db}.S.CHILD UNSET COMMENT",
        f"ALTER TASK {db}.S.CHILD MODIFY AS SELECT 3",
        f"ALTER TASK {db}.S.CHILD MODIFY WHEN TRUE",
        f"ALTER TASK {db}.S.CHILD REMOVE AFTER {db}.S.ROOT",
        f"CREATE OR REPLACE TASK {db}.S.CHILD AFTER {db}.S.ROOT AS SELECT 4",
        f"CREATE TASK {db}.S.OTHER AFTER {db}.S.ROOT AS SELECT 5",
    ]:
        e = error(cur, sql)
        assert e.msg.endswith(f"Unable to update graph with root task {db}.S.ROOT "
                              "since that root task is not suspended."), sql
        assert e.errno == 91421 and e.sqlstate == "22000", sql
    # Resuming or suspending a child also changes the graph: refused while the
    # root is started, allowed while it is suspended (children first, then the root).
    for sql in [f"ALTER TASK {db}.S.CHILD RESUME", f"ALTER TASK {db}.S.CHILD SUSPEND"]:
        assert error(cur, sql).errno == 91421, sql
    q(cur, f"ALTER TASK {db}.S.ROOT SUSPEND")
    q(cur, f"ALTER TASK {db}.S.CHILD RESUME")
    assert task(cur, db, "CHILD")["state"] == "started"
    q(cur, f"ALTER TASK {db}.S.ROOT RESUME")
    assert task(cur, db)["state"] == "started"
    q(cur, f"ALTER TASK {db}.S.ROOT SUSPEND")
    q(cur, f"ALTER TASK {db}.S.CHILD MODIFY AS SELECT 3")
    assert task(cur, db, "CHILD")["definition"] == "SELECT 3"


def test_child_cannot_have_a_schedule(cur, db):
    q(cur, f"CREATE TASK {db}.S.ROOT SCHEDULE = '1 MINUTE' AS SELECT 1")
    assert error(cur, f"CREATE TASK {db}.S.C SCHEDULE = '1 MINUTE' AFTER {db}.S.ROOT AS SELECT 2")
    q(cur, f"CREATE TASK {db}.S.C AFTER {db}.S.ROOT AS SELECT 2")
    assert error(cur, f"ALTER TASK {db}.S.C SET SCHEDULE = '5 MINUTE'")
    assert error(cur, f"ALTER TASK {db}.S.ROOT ADD AFTER {db}.S.C")  # scheduled, and a cycle


def test_predecessor_checks(cur, db):
    e = error(cur, f"CREATE TASK {db}.S.C AFTER {db}.S.MISSING AS SELECT 1")
    assert e.errno == 2003
    assert e.msg.endswith(f"Task '{db}.S.MISSING' does not exist or not authorized.")
    q(cur, f"CREATE TASK {db}.PUBLIC.ELSEWHERE SCHEDULE = '1 MINUTE' AS SELECT 1")
    assert error(cur, f"CREATE TASK {db}.S.C AFTER {db}.PUBLIC.ELSEWHERE AS SELECT 1")
    q(cur, f"CREATE TASK {db}.S.A AS SELECT 1")
    q(cur, f"CREATE TASK {db}.S.B AS SELECT 1")
    q(cur, f"CREATE TASK {db}.S.C AFTER {db}.S.A, B AS SELECT 1")
    assert json.loads(task(cur, db, "C")["predecessors"]) == [f"{db}.S.A", f"{db}.S.B"]
    assert json.loads(task(cur, db, "C")["task_relations"])["Predecessors"] == [f"{db}.S.A", f"{db}.S.B"]
    q(cur, f"ALTER TASK {db}.S.C REMOVE AFTER {db}.S.A")
    assert json.loads(task(cur, db, "C")["predecessors"]) == [f"{db}.S.B"]
    q(cur, f"ALTER TASK {db}.S.C ADD AFTER {db}.S.A")
    assert json.loads(task(cur, db, "C")["predecessors"]) == [f"{db}.S.B", f"{db}.S.A"]
    assert error(cur, f"ALTER TASK {db}.S.A ADD AFTER {db}.S.C")  # a cycle
    q(cur, f"DROP TASK {db}.S.B")
    assert json.loads(task(cur, db, "C")["predecessors"]) == [f"{db}.S.A"]
    assert error(cur, f"CREATE TASK {db}.S.D WAREHOUSE = NO_SUCH_WH AS SELECT 1").errno == 2003


def test_modify_and_when(cur, db):
    q(cur, f"CREATE TASK {db}.S.ROOT WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1")
    assert task(cur, db)["condition"] == "SYSTEM$STREAM_HAS_DATA('s')"
    q(cur, f"ALTER TASK {db}.S.ROOT MODIFY AS CALL proc('a', 1)")
    assert task(cur, db)["definition"] == "CALL proc('a', 1)"
    q(cur, f"ALTER TASK {db}.S.ROOT MODIFY WHEN 1 = 1")
    assert task(cur, db)["condition"] == "1 = 1"
    q(cur, f"ALTER TASK {db}.S.ROOT REMOVE WHEN")
    assert task(cur, db)["condition"] is None
    q(cur, f"ALTER TASK {db}.S.ROOT SET CONFIG = '{{\"k\": 1}}' COMMENT = 'c'")
    assert task(cur, db)["config"] == '{"k": 1}'
    q(cur, f"ALTER TASK {db}.S.ROOT UNSET CONFIG, COMMENT")
    t = task(cur, db)
    assert t["config"] is None and t["comment"] == ""


def test_drop_and_cascade(cur, db):
    q(cur, f"CREATE TASK {db}.S.ROOT AS SELECT 1")
    assert q(cur, f"DROP TASK {db}.S.ROOT") == [{"status": "ROOT successfully dropped."}]
    assert error(cur, f"DROP TASK {db}.S.ROOT").errno == 2003
    q(cur, f"CREATE TASK {db}.S.ROOT AS SELECT 1")
    q(cur, f"DROP SCHEMA {db}.S")
    q(cur, f"CREATE SCHEMA {db}.S")
    assert q(cur, f"SHOW TASKS IN SCHEMA {db}.S") == []
    q(cur, f"CREATE TASK {db}.S.ROOT AS SELECT 1")
    q(cur, f"DROP DATABASE {db}")
    assert all(r["database_name"] != db for r in q(cur, "SHOW TASKS LIKE 'ROOT' IN ACCOUNT"))


def test_task_dependents_enable(cur, db):
    q(cur, f"USE SCHEMA {db}.S")
    q(cur, "CREATE TASK ROOT SCHEDULE = '1 MINUTE' AS SELECT 1")
    q(cur, "CREATE TASK A AFTER ROOT AS SELECT 1")
    q(cur, "CREATE TASK B AFTER A AS SELECT 1")
    q(cur, "CREATE TASK LONE AS SELECT 1")
    q(cur, f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{db}.S.ROOT')")
    states = {r["name"]: r["state"] for r in q(cur, "SHOW TASKS")}
    assert states == {"ROOT": "started", "A": "started", "B": "started", "LONE": "suspended"}
    assert error(cur, "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('NOPE')").errno == 2003


def test_show_scopes_and_like(cur, db):
    q(cur, f"CREATE TASK {db}.S.T1 AS SELECT 1")
    q(cur, f"CREATE TASK {db}.PUBLIC.T2 AS SELECT 1")
    assert [r["name"] for r in q(cur, f"SHOW TASKS IN DATABASE {db}")] == ["T2", "T1"]
    assert [r["name"] for r in q(cur, f"SHOW TASKS LIKE 't%' IN SCHEMA {db}.S")] == ["T1"]
    q(cur, f"CREATE TASK {db}.S.T3 AS SELECT 1")
    rows = q(cur, f"SHOW TASKS IN SCHEMA {db}.S STARTS WITH 'T' LIMIT 1 FROM 'T1'")
    assert [r["name"] for r in rows] == ["T3"]
