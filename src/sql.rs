//! Change -> SQL statements; identifier quoting and literal escaping.
