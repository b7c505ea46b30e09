//! Column sets of the SHOW / DESCRIBE commands that belong to no single
//! object kind (grants, parameters, TERSE, DESCRIBE), in Snowflake's order
//! (see docs/emulator.md for where positions are uncertain). Each kind's own
//! SHOW columns are in its module under `crate::kinds`.

use crate::result::ColType::{self, *};

pub const TERSE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("kind", Text),
    ("database_name", Text),
    ("schema_name", Text),
];

/// SHOW GRANTS TO ROLE.
pub const GRANTS_TO_ROLE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
];

/// `SHOW GRANTS ON <object>` and `SHOW GRANTS ON ACCOUNT`.
pub const GRANTS_ON: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
    ("granted_by_role_type", Text),
];

pub const GRANTS_TO_USER: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("role", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
];

pub const GRANTS_OF_ROLE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("role", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("granted_by", Text),
];

pub const FUTURE_GRANTS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("grant_on", Text),
    ("name", Text),
    ("grant_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
];

pub const PARAMETERS: &[(&str, ColType)] = &[
    ("key", Text),
    ("value", Text),
    ("default", Text),
    ("level", Text),
    ("description", Text),
    ("type", Text),
];

/// DESCRIBE DATABASE / SCHEMA / WAREHOUSE.
pub const DESCRIBE_CONTAINER: &[(&str, ColType)] =
    &[("created_on", TimestampLtz), ("name", Text), ("kind", Text)];

pub const DESCRIBE_TABLE: &[(&str, ColType)] = &[
    ("name", Text),
    ("type", Text),
    ("kind", Text),
    ("null?", Text),
    ("default", Text),
    ("primary key", Text),
    ("unique key", Text),
    ("check", Text),
    ("expression", Text),
    ("comment", Text),
    ("policy name", Text),
    ("privacy domain", Text),
];
