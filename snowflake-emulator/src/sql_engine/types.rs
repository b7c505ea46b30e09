//! Snowflake column types on SQLite: the declared SQLite type carries the
//! Snowflake type (so `sqlite3_column_decltype` gives it back for result
//! columns) and is chosen for the right SQLite affinity.

use crate::result::ColType;
use rusqlite::types::ValueRef;

/// A Snowflake column type as the emulator stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SfType {
    Text,
    Number(u32, u32),
    Real,
    Boolean,
    TsNtz,
    TsLtz,
    Date,
    Variant,
}

impl SfType {
    /// From a column type as written in CREATE TABLE (`NUMBER(10,2)`, `VARCHAR(20)`, `INT`, ...).
    pub fn parse(ty: &str) -> SfType {
        let up = ty.to_ascii_uppercase();
        let word: String = up
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let args: Vec<u32> = up
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(a, _)| a.split(',').filter_map(|x| x.trim().parse().ok()).collect())
            .unwrap_or_default();
        let known = |w: &str| -> Option<SfType> {
            Some(match w {
                "NUMBER" | "NUMERIC" | "DECIMAL" | "DEC" => SfType::Number(
                    args.first().copied().unwrap_or(38),
                    args.get(1).copied().unwrap_or(0),
                ),
                "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" => {
                    SfType::Number(38, 0)
                }
                "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLEPRECISION" | "REAL" => {
                    SfType::Real
                }
                "BOOLEAN" | "BOOL" => SfType::Boolean,
                "TIMESTAMP_NTZ"
                | "TIMESTAMPNTZ"
                | "DATETIME"
                | "TIMESTAMP"
                | "TIMESTAMPWITHOUTTIMEZONE" => SfType::TsNtz,
                "TIMESTAMP_LTZ" | "TIMESTAMPLTZ" | "TIMESTAMP_TZ" | "TIMESTAMPTZ" => SfType::TsLtz,
                "DATE" => SfType::Date,
                "VARIANT" | "OBJECT" | "ARRAY" => SfType::Variant,
                "VARCHAR" | "STRING" | "TEXT" | "CHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR"
                | "NVARCHAR2" | "CHARVARYING" | "NCHARVARYING" => SfType::Text,
                _ => return None,
            })
        };
        if let Some(t) = known(&word) {
            return t;
        }
        // Constraints written after the type are glued to it by the DDL parser
        // (`INTNOTNULL`): take the longest known prefix.
        (1..word.len())
            .rev()
            .find_map(|n| known(&word[..n]))
            .unwrap_or(SfType::Text)
    }

    /// The declared SQLite type: encodes the Snowflake type; its affinity
    /// follows SQLite's rules (`TEXT` in the name gives text affinity, `REAL`
    /// real, anything else numeric).
    pub fn decl(self) -> String {
        match self {
            SfType::Text => "SF_TEXT".into(),
            SfType::Number(p, s) => format!("SF_NUMBER_{p}_{s}"),
            SfType::Real => "SF_REAL".into(),
            SfType::Boolean => "SF_BOOLEAN".into(),
            SfType::TsNtz => "SF_TSNTZ_TEXT".into(),
            SfType::TsLtz => "SF_TSLTZ_TEXT".into(),
            SfType::Date => "SF_DATE_TEXT".into(),
            SfType::Variant => "SF_VARIANT_TEXT".into(),
        }
    }

    pub fn from_decl(d: &str) -> Option<SfType> {
        Some(match d {
            "SF_TEXT" => SfType::Text,
            "SF_REAL" => SfType::Real,
            "SF_BOOLEAN" => SfType::Boolean,
            "SF_TSNTZ_TEXT" => SfType::TsNtz,
            "SF_TSLTZ_TEXT" => SfType::TsLtz,
            "SF_DATE_TEXT" => SfType::Date,
            "SF_VARIANT_TEXT" => SfType::Variant,
            n => {
                let rest = n.strip_prefix("SF_NUMBER_")?;
                let (p, s) = rest.split_once('_')?;
                SfType::Number(p.parse().ok()?, s.parse().ok()?)
            }
        })
    }

    /// The name INFORMATION_SCHEMA.COLUMNS shows in DATA_TYPE.
    pub fn data_type(self) -> &'static str {
        match self {
            SfType::Text => "TEXT",
            SfType::Number(..) => "NUMBER",
            SfType::Real => "FLOAT",
            SfType::Boolean => "BOOLEAN",
            SfType::TsNtz => "TIMESTAMP_NTZ",
            SfType::TsLtz => "TIMESTAMP_LTZ",
            SfType::Date => "DATE",
            SfType::Variant => "VARIANT",
        }
    }

    /// The SQLite type a `CAST(x AS <this>)` turns into.
    pub fn sqlite_cast(self) -> &'static str {
        match self {
            SfType::Number(_, 0) | SfType::Boolean => "INTEGER",
            SfType::Number(..) | SfType::Real => "REAL",
            _ => "TEXT",
        }
    }

    pub fn col_type(self) -> ColType {
        match self {
            SfType::Text => ColType::Text,
            SfType::Number(p, s) => ColType::Number(p, s),
            SfType::Real => ColType::Real,
            SfType::Boolean => ColType::Boolean,
            SfType::TsNtz => ColType::TimestampNtz,
            SfType::TsLtz => ColType::TimestampLtz9,
            SfType::Date => ColType::Date,
            SfType::Variant => ColType::Variant,
        }
    }

    /// The JSON-rowset cell for a stored value.
    pub fn cell(self, v: ValueRef) -> Option<String> {
        let text = |v: ValueRef| -> String {
            match v {
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
                ValueRef::Null => String::new(),
            }
        };
        if matches!(v, ValueRef::Null) {
            return None;
        }
        Some(match self {
            SfType::Number(_, s) => match v {
                ValueRef::Integer(i) if s == 0 => i.to_string(),
                ValueRef::Integer(i) => format!("{i}.{}", "0".repeat(s as usize)),
                ValueRef::Real(f) => format!("{f:.prec$}", prec = s as usize),
                other => text(other),
            },
            SfType::Boolean => match v {
                ValueRef::Integer(i) => if i != 0 { "1" } else { "0" }.into(),
                other => {
                    let t = text(other).to_ascii_lowercase();
                    if ["true", "t", "yes", "y", "on", "1"].contains(&t.as_str()) {
                        "1".into()
                    } else {
                        "0".into()
                    }
                }
            },
            SfType::TsNtz | SfType::TsLtz => {
                let t = text(v);
                match parse_ts(&t) {
                    Some((secs, nanos)) => format!("{secs}.{nanos:09}"),
                    None => t,
                }
            }
            SfType::Date => {
                let t = text(v);
                match parse_ts(&t) {
                    Some((secs, _)) => secs.div_euclid(86400).to_string(),
                    None => t,
                }
            }
            _ => text(v),
        })
    }
}

/// The type of an expression column (no declared type): from its values.
pub fn infer(values: &[ValueRef]) -> SfType {
    let mut t: Option<SfType> = None;
    for v in values {
        let this = match v {
            ValueRef::Integer(_) => SfType::Number(38, 0),
            ValueRef::Real(_) => SfType::Real,
            ValueRef::Null => continue,
            _ => return SfType::Text,
        };
        t = Some(match (t, this) {
            (Some(SfType::Real), _) | (_, SfType::Real) => SfType::Real,
            _ => this,
        });
    }
    t.unwrap_or(SfType::Text)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]]` → (epoch seconds, nanoseconds).
pub fn parse_ts(s: &str) -> Option<(i64, u32)> {
    let s = s.trim();
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut dp = date.splitn(3, '-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: i64 = dp.next()?.parse().ok()?;
    let d: i64 = dp.next()?.parse().ok()?;
    let mut secs = days_from_civil(y, m, d) * 86400;
    let mut nanos = 0u32;
    if !time.is_empty() {
        let time = time.trim_end_matches('Z');
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut tp = hms.split(':');
        let h: i64 = tp.next()?.parse().ok()?;
        let mi: i64 = tp.next().unwrap_or("0").parse().ok()?;
        let se: i64 = tp.next().unwrap_or("0").parse().ok()?;
        secs += h * 3600 + mi * 60 + se;
        let digits: String = frac
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        if !digits.is_empty() {
            nanos = format!("{digits:0<9}").parse().ok()?;
        }
    }
    Some((secs, nanos))
}

/// Epoch nanoseconds → `YYYY-MM-DD HH:MM:SS.fffffffff`.
pub fn format_ts(nanos: i128) -> String {
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let frac = nanos.rem_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:09}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds and nanoseconds of a timestamp text, as (year, month, day, seconds of day, nanos).
fn split_ts(s: &str) -> Option<(i64, i64, i64, i64, u32)> {
    let (secs, nanos) = parse_ts(s)?;
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    Some((y, m, d, secs.rem_euclid(86400), nanos))
}

/// Canonical date/time part: `DAY`, `MONTH`, ... (Snowflake's abbreviations accepted).
fn part(p: &str) -> Option<&'static str> {
    Some(match p.to_ascii_uppercase().trim_matches('\'') {
        "YEAR" | "YEARS" | "Y" | "YY" | "YYY" | "YYYY" | "YR" | "YRS" => "YEAR",
        "QUARTER" | "QUARTERS" | "Q" | "QTR" | "QTRS" => "QUARTER",
        "MONTH" | "MONTHS" | "MM" | "MON" | "MONS" => "MONTH",
        "WEEK" | "WEEKS" | "W" | "WK" | "WEEKOFYEAR" | "WOY" | "WY" => "WEEK",
        "DAY" | "DAYS" | "D" | "DD" | "DAYOFMONTH" => "DAY",
        "HOUR" | "HOURS" | "H" | "HH" | "HR" | "HRS" => "HOUR",
        "MINUTE" | "MINUTES" | "M" | "MI" | "MIN" | "MINS" => "MINUTE",
        "SECOND" | "SECONDS" | "S" | "SEC" | "SECS" => "SECOND",
        "MILLISECOND" | "MILLISECONDS" | "MS" | "MSEC" => "MILLISECOND",
        "MICROSECOND" | "MICROSECONDS" | "US" | "USEC" => "MICROSECOND",
        "NANOSECOND" | "NANOSECONDS" | "NS" | "NSEC" => "NANOSECOND",
        _ => return None,
    })
}

fn nanos_of(y: i64, m: i64, d: i64, sod: i64, n: u32) -> i128 {
    (days_from_civil(y, m, d) * 86400 + sod) as i128 * 1_000_000_000 + n as i128
}

/// `DATEADD(part, n, ts)`: the timestamp text moved by `n` parts.
pub fn dateadd(p: &str, n: i64, ts: &str) -> Option<String> {
    let (y, m, d, sod, ns) = split_ts(ts)?;
    let months = |k: i64| {
        let total = y * 12 + (m - 1) + k;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let last = (1..=31)
            .rev()
            .find(|dd| civil_from_days(days_from_civil(ny, nm, *dd)).1 == nm)
            .unwrap_or(28);
        nanos_of(ny, nm, d.min(last), sod, ns)
    };
    let base = nanos_of(y, m, d, sod, ns);
    let step: i128 = match part(p)? {
        "YEAR" => return Some(format_ts(months(n * 12))),
        "QUARTER" => return Some(format_ts(months(n * 3))),
        "MONTH" => return Some(format_ts(months(n))),
        "WEEK" => 7 * 86_400_000_000_000,
        "DAY" => 86_400_000_000_000,
        "HOUR" => 3_600_000_000_000,
        "MINUTE" => 60_000_000_000,
        "SECOND" => 1_000_000_000,
        "MILLISECOND" => 1_000_000,
        "MICROSECOND" => 1_000,
        _ => 1,
    };
    Some(format_ts(base + step * n as i128))
}

/// `DATEDIFF(part, a, b)`: part boundaries crossed from `a` to `b`.
pub fn datediff(p: &str, a: &str, b: &str) -> Option<i64> {
    let (y1, m1, d1, s1, n1) = split_ts(a)?;
    let (y2, m2, d2, s2, n2) = split_ts(b)?;
    let t1 = nanos_of(y1, m1, d1, s1, n1);
    let t2 = nanos_of(y2, m2, d2, s2, n2);
    let floor = |t: i128, unit: i128| t.div_euclid(unit);
    let diff = |unit: i128| (floor(t2, unit) - floor(t1, unit)) as i64;
    Some(match part(p)? {
        "YEAR" => y2 - y1,
        "QUARTER" => (y2 * 4 + (m2 - 1) / 3) - (y1 * 4 + (m1 - 1) / 3),
        "MONTH" => (y2 * 12 + m2) - (y1 * 12 + m1),
        // Weeks start on Monday (1970-01-05 was a Monday).
        "WEEK" => {
            let w = |y, m, d| (days_from_civil(y, m, d) - 4).div_euclid(7);
            w(y2, m2, d2) - w(y1, m1, d1)
        }
        "DAY" => diff(86_400_000_000_000),
        "HOUR" => diff(3_600_000_000_000),
        "MINUTE" => diff(60_000_000_000),
        "SECOND" => diff(1_000_000_000),
        "MILLISECOND" => diff(1_000_000),
        "MICROSECOND" => diff(1_000),
        _ => diff(1),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dateadd_and_datediff() {
        assert_eq!(
            dateadd("day", -7, "2024-03-05 10:00:00").unwrap(),
            "2024-02-27 10:00:00.000000000"
        );
        assert_eq!(
            dateadd("month", 1, "2024-01-31").unwrap(),
            "2024-02-29 00:00:00.000000000"
        );
        assert_eq!(
            dateadd("hour", 2, "2024-01-01 23:30:00").unwrap(),
            "2024-01-02 01:30:00.000000000"
        );
        assert_eq!(
            datediff("day", "2024-01-01 23:59:00", "2024-01-02 00:01:00"),
            Some(1)
        );
        assert_eq!(datediff("month", "2024-01-31", "2024-02-01"), Some(1));
        assert_eq!(datediff("year", "2023-12-31", "2024-01-01"), Some(1));
    }

    use super::*;

    #[test]
    fn types_round_trip_through_the_declared_type() {
        for t in [
            "VARCHAR(10)",
            "NUMBER(10,2)",
            "INT",
            "FLOAT",
            "BOOLEAN",
            "TIMESTAMP_NTZ",
            "VARIANT",
            "STRING",
            "INTNOTNULL",
        ] {
            let sf = SfType::parse(t);
            assert_eq!(SfType::from_decl(&sf.decl()), Some(sf), "{t}");
        }
        assert_eq!(SfType::parse("STRING"), SfType::Text);
        assert_eq!(SfType::parse("NUMBER(10,2)"), SfType::Number(10, 2));
    }

    #[test]
    fn timestamps_parse_and_format() {
        let (s, n) = parse_ts("2024-03-01 12:34:56.5").unwrap();
        assert_eq!((s, n), (1709296496, 500_000_000));
        assert_eq!(
            format_ts(s as i128 * 1_000_000_000 + n as i128),
            "2024-03-01 12:34:56.500000000"
        );
    }
}
