"""Tables with rows: CREATE TABLE, INSERT/UPDATE/DELETE/MERGE, queries, binds,
transactions and INFORMATION_SCHEMA, through the Python connector as
applications use it (both pinned major versions)."""

import datetime
import decimal
import os
import subprocess
import tempfile

import pytest

from conftest import connect, q


@pytest.fixture
def db(cur, name):
    cur.execute(f"CREATE DATABASE {name}")
    yield name
    cur.execute(f"DROP DATABASE IF EXISTS {name}")


def make_team(cur):
    cur.execute(
        "CREATE TABLE team (id INT, name VARCHAR(100), score NUMBER(10,2), ratio FLOAT, "
        "active BOOLEAN, joined TIMESTAMP_NTZ, meta VARIANT)"
    )
    cur.execute(
        "INSERT INTO team (id, name, score, ratio, active, joined) VALUES "
        "(1, 'ann', 10.5, 0.25, TRUE, '2024-01-02 03:04:05'), "
        "(2, 'bob', 20, 0.5, FALSE, '2024-02-03 04:05:06.5'), "
        "(3, 'cid', NULL, NULL, TRUE, NULL)"
    )


def test_insert_reports_rows_and_select_converts_types(db, conn):
    c = conn.cursor()
    c.execute("CREATE TABLE team (id INT, name VARCHAR(100), score NUMBER(10,2), ratio FLOAT, "
              "active BOOLEAN, joined TIMESTAMP_NTZ, meta VARIANT)")
    c.execute("INSERT INTO team (id, name, score, ratio, active, joined) VALUES "
              "(1, 'ann', 10.5, 0.25, TRUE, '2024-01-02 03:04:05'), (2, 'bob', 20, 0.5, FALSE, NULL)")
    assert c.rowcount == 2
    assert [d[0] for d in c.description] == ["number of rows inserted"]
    assert c.fetchall() == [(2,)]
    c.execute("SELECT id, name, score, ratio, active, joined FROM team ORDER BY id")
    assert [d[0] for d in c.description] == ["ID", "NAME", "SCORE", "RATIO", "ACTIVE", "JOINED"]
    rows = c.fetchall()
    assert rows[0] == (1, "ann", decimal.Decimal("10.50"), 0.25, True,
                       datetime.datetime(2024, 1, 2, 3, 4, 5))
    assert rows[1] == (2, "bob", decimal.Decimal("20.00"), 0.5, False, None)


def test_update_delete_and_where(db, cur):
    make_team(cur)
    cur.execute("UPDATE team SET score = score + 1, name = UPPER(name) WHERE id <= 2")
    assert cur.rowcount == 2
    assert q(cur, "SELECT name, score FROM team WHERE score IS NOT NULL ORDER BY id") == [
        {"NAME": "ANN", "SCORE": decimal.Decimal("11.50")},
        {"NAME": "BOB", "SCORE": decimal.Decimal("21.00")},
    ]
    cur.execute("DELETE FROM team WHERE score IS NULL OR name = 'BOB'")
    assert cur.rowcount == 2
    assert q(cur, "SELECT COUNT(*) AS n FROM team") == [{"N": 1}]
    assert [r["rows"] for r in q(cur, "SHOW TABLES LIKE 'TEAM'")] == [1]


def test_merge(db, cur):
    make_team(cur)
    cur.execute(
        "MERGE INTO team t USING (SELECT 2 AS id, 'bobby' AS name UNION ALL SELECT 9, 'zed') s "
        "ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET t.name = s.name "
        "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)"
    )
    assert cur.fetchall() == [{"number of rows inserted": 1, "number of rows updated": 1}]
    assert q(cur, "SELECT id, name FROM team ORDER BY id") == [
        {"ID": 1, "NAME": "ann"}, {"ID": 2, "NAME": "bobby"}, {"ID": 3, "NAME": "cid"}, {"ID": 9, "NAME": "zed"},
    ]


def test_group_by_order_by_window_and_distinct(db, cur):
    cur.execute("CREATE TABLE runs (team STRING, run INT, status TEXT)")
    cur.execute("INSERT INTO runs VALUES ('a', 1, 'ok'), ('a', 2, 'fail'), ('b', 1, 'ok'), ('a', 3, 'ok')")
    assert q(cur, "SELECT team, COUNT(*) AS n, SUM(run) AS total, MAX(run) AS last FROM runs "
                  "GROUP BY team ORDER BY team") == [
        {"TEAM": "a", "N": 3, "TOTAL": 6, "LAST": 3},
        {"TEAM": "b", "N": 1, "TOTAL": 1, "LAST": 1},
    ]
    assert q(cur, "SELECT team, COUNT(*) AS n FROM runs GROUP BY ALL ORDER BY n DESC") == [
        {"TEAM": "a", "N": 3}, {"TEAM": "b", "N": 1},
    ]
    assert q(cur, "SELECT DISTINCT status FROM runs ORDER BY status") == [{"STATUS": "fail"}, {"STATUS": "ok"}]
    rows = q(cur, "SELECT team, run, ROW_NUMBER() OVER (PARTITION BY team ORDER BY run DESC) AS rn, "
                  "FIRST_VALUE(status) OVER (PARTITION BY team ORDER BY run DESC) AS latest "
                  "FROM runs ORDER BY team, run LIMIT 3")
    assert rows == [
        {"TEAM": "a", "RUN": 1, "RN": 3, "LATEST": "ok"},
        {"TEAM": "a", "RUN": 2, "RN": 2, "LATEST": "ok"},
        {"TEAM": "a", "RUN": 3, "RN": 1, "LATEST": "ok"},
    ]


def test_joins_functions_and_identifier(db, cur):
    make_team(cur)
    cur.execute("CREATE TABLE roles (id INT, role VARCHAR)")
    cur.execute("INSERT INTO roles VALUES (1, 'lead'), (2, 'dev')")
    assert q(cur, f"SELECT t.name, r.role FROM {db}.public.team t JOIN roles r ON r.id = t.id ORDER BY t.id") == [
        {"NAME": "ann", "ROLE": "lead"}, {"NAME": "bob", "ROLE": "dev"},
    ]
    assert q(cur, "SELECT t.name FROM team t LEFT JOIN roles r ON r.id = t.id WHERE r.id IS NULL") == [{"NAME": "cid"}]
    assert q(cur, f"WITH top AS (SELECT id, name FROM {db}..team WHERE id > 1) "
                  "SELECT name FROM top WHERE id IN (SELECT id FROM roles) ORDER BY id") == [{"NAME": "bob"}]
    assert q(cur, "SELECT REPLACE(UPPER(name), 'A', 'x') AS n FROM IDENTIFIER('team') WHERE id = 1") == [{"N": "xNN"}]
    cur.execute("SELECT UPPER(name) FROM team WHERE id = 1")
    assert cur.description[0][0] == "UPPER(NAME)"
    cur.execute("INSERT INTO team (id, meta, joined) SELECT 7, PARSE_JSON('{\"a\": [1, 2]}'), CURRENT_TIMESTAMP()")
    row = q(cur, "SELECT meta, joined FROM team WHERE id = 7")[0]
    assert row["META"].replace(" ", "").replace("\n", "") == '{"a":[1,2]}'
    assert q(cur, "SELECT meta:a[1] AS x, meta:a[0]::INT + 1 AS y FROM team WHERE id = 7") == [{"X": "2", "Y": 2}]
    cur.execute("UPDATE team SET meta = PARSE_JSON('{\"owner\": \"ann\"}') WHERE id = 1")
    assert q(cur, "SELECT meta:owner AS o, meta:owner::STRING AS s FROM team WHERE id = 1") == [{"O": '"ann"', "S": "ann"}]
    assert abs(row["JOINED"] - datetime.datetime.utcnow()) < datetime.timedelta(minutes=5)
    assert q(cur, "SELECT id FROM team WHERE joined > DATEADD(day, -1, CURRENT_TIMESTAMP())") == [{"ID": 7}]
    assert q(cur, "SELECT DATEDIFF(day, joined, '2024-01-05') AS d FROM team WHERE id = 1") == [{"D": 3}]


def test_missing_table_and_column(db, cur):
    import snowflake.connector.errors as errors

    with pytest.raises(errors.ProgrammingError) as e:
        cur.execute("SELECT * FROM nope")
    assert e.value.errno == 2003
    assert f"Object '{db}.PUBLIC.NOPE' does not exist or not authorized." in e.value.msg
    cur.execute("CREATE TABLE t (a INT)")
    with pytest.raises(errors.ProgrammingError) as e:
        cur.execute("SELECT b FROM t")
    assert e.value.errno == 904


@pytest.mark.parametrize("style", ["qmark", "numeric"])
def test_binds(db, name, style):
    c = connect(paramstyle=style, database=db)
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE b (id INT, name VARCHAR, score FLOAT, ok BOOLEAN, at TIMESTAMP_NTZ)")
        mark = (lambda i: "?") if style == "qmark" else (lambda i: f":{i}")
        ins = f"INSERT INTO b VALUES ({', '.join(mark(i) for i in range(1, 6))})"
        cur.execute(ins, (1, "it's", 1.5, True, datetime.datetime(2024, 5, 6, 7, 8, 9)))
        assert cur.rowcount == 1
        cur.executemany(ins, [(2, "two", None, False, None), (3, "three", 3.0, True, None)])
        assert cur.rowcount == 2
        cur.execute(f"SELECT id, name, score, ok, at FROM b WHERE id >= {mark(1)} ORDER BY id", (1,))
        assert cur.fetchall() == [
            (1, "it's", 1.5, True, datetime.datetime(2024, 5, 6, 7, 8, 9)),
            (2, "two", None, False, None),
            (3, "three", 3.0, True, None),
        ]
        cur.execute(f"UPDATE b SET name = {mark(1)} WHERE id = {mark(2)}", ("deux", 2))
        assert cur.rowcount == 1
    finally:
        c.close()


def test_transactions(db, cur, conn):
    cur.execute("CREATE TABLE tx (a INT)")
    cur.execute("BEGIN")
    cur.execute("INSERT INTO tx VALUES (1)")
    cur.execute("ROLLBACK")
    assert q(cur, "SELECT COUNT(*) AS n FROM tx") == [{"N": 0}]
    cur.execute("BEGIN TRANSACTION")
    cur.execute("INSERT INTO tx VALUES (2)")
    cur.execute("COMMIT")
    assert q(cur, "SELECT a FROM tx") == [{"A": 2}]
    # autocommit off, as the connector's conn.autocommit(False) sends it
    conn.autocommit(False)
    cur.execute("INSERT INTO tx VALUES (3)")
    conn.rollback()
    cur.execute("INSERT INTO tx VALUES (4)")
    conn.commit()
    conn.autocommit(True)
    assert q(cur, "SELECT a FROM tx ORDER BY a") == [{"A": 2}, {"A": 4}]
    # a failing statement changes nothing
    with pytest.raises(Exception):
        cur.execute("INSERT INTO tx SELECT a + 10 FROM tx UNION ALL SELECT PARSE_JSON('{bad')")
    assert q(cur, "SELECT COUNT(*) AS n FROM tx") == [{"N": 2}]


def test_other_sessions_wait_for_a_transaction(db, cur):
    cur.execute("CREATE TABLE w (a INT)")
    other = connect(database=db)
    try:
        cur.execute("BEGIN")
        cur.execute("INSERT INTO w VALUES (1)")
        import threading

        seen = []
        t = threading.Thread(target=lambda: seen.append(other.cursor().execute("SELECT COUNT(*) FROM w").fetchall()))
        t.start()
        t.join(0.5)
        assert t.is_alive(), "a reader waits while another session's transaction is open"
        cur.execute("COMMIT")
        t.join(10)
        assert seen == [[(1,)]]
    finally:
        other.close()


def test_information_schema(db, cur):
    cur.execute("CREATE SCHEMA s2")
    cur.execute("CREATE TABLE s2.things (id NUMBER(10,0), label VARCHAR(20))")
    assert q(cur, f"SELECT table_schema, table_name, table_type FROM {db}.information_schema.tables "
                  "WHERE table_schema <> 'INFORMATION_SCHEMA' ORDER BY 1, 2") == [
        {"TABLE_SCHEMA": "S2", "TABLE_NAME": "THINGS", "TABLE_TYPE": "BASE TABLE"},
    ]
    assert q(cur, "SELECT schema_name FROM information_schema.schemata ORDER BY 1") == [
        {"SCHEMA_NAME": "INFORMATION_SCHEMA"}, {"SCHEMA_NAME": "PUBLIC"}, {"SCHEMA_NAME": "S2"},
    ]
    assert q(cur, "SELECT column_name, data_type, ordinal_position FROM information_schema.columns "
                  "WHERE table_name = 'THINGS' ORDER BY ordinal_position") == [
        {"COLUMN_NAME": "ID", "DATA_TYPE": "NUMBER", "ORDINAL_POSITION": 1},
        {"COLUMN_NAME": "LABEL", "DATA_TYPE": "TEXT", "ORDINAL_POSITION": 2},
    ]


def test_create_or_replace_and_if_not_exists(db, cur):
    cur.execute("CREATE TABLE r (a INT)")
    cur.execute("INSERT INTO r VALUES (1)")
    cur.execute("CREATE TABLE IF NOT EXISTS r (a INT)")
    assert q(cur, "SELECT COUNT(*) AS n FROM r") == [{"N": 1}]
    cur.execute("CREATE OR REPLACE TABLE r (a INT, b STRING)")
    assert q(cur, "SELECT COUNT(*) AS n FROM r") == [{"N": 0}]
    cur.execute("DROP TABLE r")
    with pytest.raises(Exception):
        cur.execute("SELECT * FROM r")


def test_large_varchar_round_trip(db, conn):
    c = conn.cursor()
    c.execute("CREATE TABLE big (v VARCHAR)")
    value = ("0123456789abcdef" * 65536) * 10  # 10 MiB
    c.execute("INSERT INTO big (v) VALUES (%s)", (value,))
    c.execute("SELECT v, LENGTH(v) FROM big")
    got, n = c.fetchone()
    assert n == len(value) and got == value


def test_rows_persist_with_data(name):
    binary = os.environ.get("EMULATOR_BIN")
    if not binary:
        pytest.fail("EMULATOR_BIN is not set: run snowflake-emulator/scripts/conformance")
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "state.json")

        def start():
            p = subprocess.Popen([binary, "--port", "0", "--data", data], stdout=subprocess.PIPE, text=True)
            port = int(p.stdout.readline().strip().rsplit(":", 1)[1])
            return p, port

        p, port = start()
        try:
            c = connect(port=port)
            cur = c.cursor()
            cur.execute(f"CREATE DATABASE {name}")
            cur.execute("CREATE TABLE t (a INT, b VARCHAR)")
            cur.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
            cur.execute("DELETE FROM t WHERE a = 1")
            c.close()
        finally:
            p.terminate()
            p.wait()
        p, port = start()
        try:
            c = connect(port=port, database=name)
            assert c.cursor().execute("SELECT a, b FROM t").fetchall() == [(2, "two")]
            c.close()
        finally:
            p.terminate()
            p.wait()
