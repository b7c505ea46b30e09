"""Every SHOW / DESCRIBE command's columns, compared by name and order with
the reference tables (shared/snowflake-reference/show-output.md)."""

import pytest

from conftest import q

REFERENCE = {
    "SHOW DATABASES": "created_on name is_default is_current origin owner comment options retention_time kind "
                      "owner_role_type object_visibility data_quality_monitoring_settings",
    "SHOW DATABASES HISTORY": "created_on name is_default is_current origin owner comment options retention_time "
                              "dropped_on kind owner_role_type object_visibility data_quality_monitoring_settings",
    "SHOW TERSE DATABASES": "created_on name kind database_name schema_name",
    # is_nested right after retention_time, as in the docs example that shows it.
    "SHOW SCHEMAS IN ACCOUNT": "created_on name is_default is_current database_name owner comment options "
                               "retention_time is_nested owner_role_type object_visibility",
    "SHOW TERSE SCHEMAS IN ACCOUNT": "created_on name kind database_name schema_name",
    # Docs example order, then the 2025_03 bundle columns.
    "SHOW WAREHOUSES": "name state type size min_cluster_count max_cluster_count started_clusters running queued "
                       "is_default is_current is_interactive auto_suspend auto_resume available provisioning "
                       "quiescing other created_on resumed_on updated_on owner comment enable_query_acceleration "
                       "query_acceleration_max_scale_factor resource_monitor actives pendings failed suspended uuid "
                       "scaling_policy owner_role_type resource_constraint generation warehouse_credit_limit "
                       "target_statement_size disabled_reasons",
    "SHOW ROLES": "created_on name is_default is_current is_inherited assigned_to_users granted_to_roles "
                  "granted_roles owner comment",
    "SHOW USERS": "name created_on login_name display_name first_name last_name email mins_to_unlock days_to_expiry "
                  "comment disabled must_change_password snowflake_lock default_warehouse default_namespace "
                  "default_role default_secondary_roles ext_authn_duo ext_authn_uid mins_to_bypass_mfa owner "
                  "last_success_login expires_at_time locked_until_time has_password has_rsa_public_key type "
                  "has_mfa has_pat has_workload_identity is_from_organization_user",
    # Terraform's resourceMonitorRow order (the docs page has no example).
    "SHOW RESOURCE MONITORS": "name credit_quota used_credits remaining_credits level frequency start_time end_time notify_at suspend_at suspend_immediately_at created_on owner comment notify_users",
    "SHOW DATABASE ROLES IN DATABASE {db}": "created_on name is_default is_current is_inherited granted_to_roles granted_to_database_roles granted_database_roles owner comment owner_role_type",
    "SHOW GRANTS TO ROLE SYSADMIN": "created_on privilege granted_on name granted_to grantee_name grant_option granted_by",
    "SHOW GRANTS ON ACCOUNT": "created_on privilege granted_on name granted_to grantee_name grant_option granted_by "
                              "granted_by_role_type",
    "SHOW GRANTS ON DATABASE {db}": "created_on privilege granted_on name granted_to grantee_name grant_option "
                                    "granted_by granted_by_role_type",
    "SHOW GRANTS ON SCHEMA {db}.PUBLIC": "created_on privilege granted_on name granted_to grantee_name grant_option "
                                         "granted_by granted_by_role_type",
    "SHOW GRANTS ON WAREHOUSE {db}_WH": "created_on privilege granted_on name granted_to grantee_name grant_option "
                                        "granted_by granted_by_role_type",
    "SHOW GRANTS TO USER ADMIN": "created_on privilege granted_on name role granted_to grantee_name grant_option granted_by",
    "SHOW GRANTS OF ROLE SYSADMIN": "created_on role granted_to grantee_name granted_by",
    "SHOW FUTURE GRANTS IN SCHEMA {db}.PUBLIC": "created_on privilege grant_on name grant_to grantee_name grant_option",
    "SHOW FUTURE GRANTS IN DATABASE {db}": "created_on privilege grant_on name grant_to grantee_name grant_option",
    "SHOW FUTURE GRANTS TO ROLE SYSADMIN": "created_on privilege grant_on name grant_to grantee_name grant_option",
    "SHOW PARAMETERS IN ACCOUNT": "key value default level description type",
    "SHOW PARAMETERS IN DATABASE {db}": "key value default level description type",
    "SHOW PARAMETERS IN SCHEMA {db}.PUBLIC": "key value default level description type",
    "SHOW PARAMETERS IN WAREHOUSE {db}_WH": "key value default level description type",
    "SHOW TABLES IN ACCOUNT": "created_on name database_name schema_name kind comment cluster_by rows bytes owner "
                              "retention_time automatic_clustering change_tracking search_optimization "
                              "search_optimization_progress search_optimization_bytes is_external "
                              "enable_schema_evolution owner_role_type is_event budget is_hybrid is_iceberg "
                              "is_dynamic is_immutable",
    "SHOW TASKS IN ACCOUNT": "created_on name id database_name schema_name owner comment warehouse schedule "
                             "predecessors state definition condition allow_overlapping_execution error_integration last_committed_on "
                             "last_suspended_on owner_role_type config budget task_relations last_suspended_reason",
    "DESCRIBE TASK {db}.PUBLIC.{db}_TASK": "created_on name id database_name schema_name owner comment warehouse schedule "
                                       "predecessors state definition condition allow_overlapping_execution error_integration last_committed_on "
                                       "last_suspended_on owner_role_type config budget task_relations last_suspended_reason",
    "DESCRIBE DATABASE {db}": "created_on name kind",
    "DESCRIBE SCHEMA {db}.PUBLIC": "created_on name kind",
    "DESCRIBE WAREHOUSE {db}_WH": "created_on name kind",
}


@pytest.fixture
def objects(cur, name):
    q(cur, f"CREATE DATABASE {name}")
    q(cur, f"CREATE WAREHOUSE {name}_WH")
    q(cur, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {name}.PUBLIC TO ROLE SYSADMIN")
    q(cur, f"CREATE TASK {name}.PUBLIC.{name}_TASK AS SELECT 1")
    yield name
    q(cur, f"DROP DATABASE {name}")
    q(cur, f"DROP WAREHOUSE {name}_WH")


@pytest.mark.parametrize("sql", sorted(REFERENCE))
def test_columns_match_reference(conn, objects, sql):
    cur = conn.cursor()
    cur.execute(sql.format(db=objects))
    assert [d.name for d in cur.description] == REFERENCE[sql].split()
