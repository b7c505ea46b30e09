"""The shipped example's stand-in for the end of the training pipeline.

A real pipeline trains a model on the environment's feature store, then
records the run: the model's metrics in MODEL_REGISTRY_<ENV>.MODEL_METRICS
and the rows it trained on in FEATURE_STORE_<ENV>.TRAINING_SET. This script
does the recording part with given numbers, so that `pudo promote` has
something to compare (docs/promotion.md). Run it through pudo, which passes
the environment's connection (SNOWFLAKE_*, role and warehouse from
`connection:`) and PUDO_ENV:

    pudo exec -e STAGING -- python pipelines/record_run.py --auc 0.81 --rows 1200

Needs snowflake-connector-python (pipelines/requirements.txt).
"""

import argparse
import os
import sys
import urllib.parse

import snowflake.connector


def connect():
    env = os.environ
    args = {
        "account": env["SNOWFLAKE_ACCOUNT"],
        "user": env["SNOWFLAKE_USER"],
        "paramstyle": "qmark",
    }
    for key, name in [("role", "SNOWFLAKE_ROLE"), ("warehouse", "SNOWFLAKE_WAREHOUSE"),
                      ("password", "SNOWFLAKE_PASSWORD"),
                      ("private_key_file", "SNOWFLAKE_PRIVATE_KEY_PATH"),
                      ("private_key_file_pwd", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")]:
        if env.get(name):
            args[key] = env[name]
    if args.get("private_key_file"):
        args["authenticator"] = "SNOWFLAKE_JWT"
    # SNOWFLAKE_URL: another endpoint than <account>.snowflakecomputing.com
    # (the emulator, a private link).
    if env.get("SNOWFLAKE_URL"):
        url = urllib.parse.urlparse(env["SNOWFLAKE_URL"])
        args.update(host=url.hostname, protocol=url.scheme,
                    port=url.port or (443 if url.scheme == "https" else 80))
    return snowflake.connector.connect(**args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="churn")
    parser.add_argument("--auc", type=float, help="record the model's AUC on the test split")
    parser.add_argument("--rows", type=int, help="replace the training set with this many rows")
    parser.add_argument("--at", help="when the run finished (default: now)")
    opts = parser.parse_args()
    if opts.auc is None and opts.rows is None:
        parser.error("nothing to record: pass --auc, --rows or both")
    env = os.environ.get("PUDO_ENV")
    if not env:
        sys.exit("PUDO_ENV is not set: run this through `pudo exec -e ENV -- ...`")
    registry = f"PUDO_MLOPS.MODEL_REGISTRY_{env}.MODEL_METRICS"
    training = f"PUDO_MLOPS.FEATURE_STORE_{env}.TRAINING_SET"
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {registry} "
                    "(MODEL_NAME VARCHAR, AUC FLOAT, CREATED_AT TIMESTAMP_NTZ)")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {training} (ID INTEGER, LABEL BOOLEAN)")
        if opts.auc is not None and opts.at:
            cur.execute(f"INSERT INTO {registry} VALUES (?, ?, ?)", (opts.model, opts.auc, opts.at))
        elif opts.auc is not None:
            cur.execute(f"INSERT INTO {registry} SELECT ?, ?, CURRENT_TIMESTAMP()",
                        (opts.model, opts.auc))
        if opts.rows is not None:
            cur.execute(f"DELETE FROM {training}")
            cur.executemany(f"INSERT INTO {training} VALUES (?, ?)",
                            [(i, i % 2 == 0) for i in range(opts.rows)])
        print(f"{env}: recorded" + (f" {opts.model} AUC {opts.auc}" if opts.auc is not None else "")
              + (f" {opts.rows} training rows" if opts.rows is not None else ""))


if __name__ == "__main__":
    main()
