//! The plan's JSON text, byte for byte what `serde_json::to_writer_pretty`
//! writes for [`Plan`], but with the changes (nearly all of a large plan)
//! serialized in two halves on two threads.

use super::{Change, Plan};
use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// serde_json's `PrettyFormatter` (two-space indent) starting at a given
/// depth, so that a value nested in the plan can be serialized on its own.
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    fn at(depth: usize) -> Pretty {
        Pretty {
            depth,
            has_value: false,
        }
    }
}

fn indent<W: ?Sized + Write>(writer: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        writer.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

impl Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        indent(writer, self.depth)
    }

    #[inline]
    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        indent(writer, self.depth)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Appends `value` as it appears at `depth` in the pretty plan.
fn value_at(out: &mut Vec<u8>, depth: usize, value: &(impl Serialize + ?Sized)) {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Pretty::at(depth));
    value.serialize(&mut ser).expect("a plan always serializes");
}

/// Appends `"key": value` as a member of the top-level object.
fn member(out: &mut Vec<u8>, first: bool, key: &str, value: &(impl Serialize + ?Sized)) {
    out.extend_from_slice(if first { b"\n  " } else { b",\n  " });
    value_at(out, 1, key);
    out.extend_from_slice(b": ");
    value_at(out, 1, value);
}

/// The array elements of `changes` (each on its own line, at depth 2), as
/// they follow the `[` of the `changes` array.
fn change_elements(out: &mut Vec<u8>, changes: &[Change], first: bool) {
    for (k, change) in changes.iter().enumerate() {
        out.extend_from_slice(if first && k == 0 {
            b"\n    "
        } else {
            b",\n    "
        });
        value_at(out, 2, change);
    }
}

/// Below this many changes a second thread costs more than it saves.
const PARALLEL_MIN: usize = 512;

/// Roughly what one change takes in JSON (sizes buffers up front: growing
/// a buffer of megabytes by doubling copies it and touches fresh pages).
const BYTES_PER_CHANGE: usize = 1280;

pub(super) fn to_json(plan: &Plan) -> String {
    // Keep in the field order of `Plan` (a test compares with serde_json's
    // own serialization of the struct).
    let Plan {
        format_version,
        pudo_version,
        stack,
        environment,
        branch,
        state,
        config_hash,
        summary,
        changes,
        blockers,
        warnings,
    } = plan;
    let (head, tail) = if changes.len() >= PARALLEL_MIN {
        changes.split_at(changes.len() / 2)
    } else {
        (&changes[..], &[][..])
    };
    std::thread::scope(|scope| {
        let second = (!tail.is_empty()).then(|| {
            scope.spawn(|| {
                let mut buf = Vec::with_capacity(tail.len() * BYTES_PER_CHANGE);
                change_elements(&mut buf, tail, false);
                // Checked here, in parallel with the first half.
                String::from_utf8(buf).expect("serde_json writes UTF-8")
            })
        });
        let mut out = Vec::with_capacity(4096 + changes.len() * BYTES_PER_CHANGE);
        out.push(b'{');
        member(&mut out, true, "format_version", format_version);
        member(&mut out, false, "pudo_version", pudo_version);
        member(&mut out, false, "stack", stack);
        member(&mut out, false, "environment", environment);
        member(&mut out, false, "branch", branch);
        member(&mut out, false, "state", state);
        member(&mut out, false, "config_hash", config_hash);
        member(&mut out, false, "summary", summary);
        out.extend_from_slice(b",\n  \"changes\": [");
        change_elements(&mut out, head, true);
        let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
        if let Some(second) = second {
            match second.join() {
                Ok(rest) => text.push_str(&rest),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        let mut end = Vec::with_capacity(256);
        end.extend_from_slice(if changes.is_empty() { b"]" } else { b"\n  ]" });
        member(&mut end, false, "blockers", blockers);
        member(&mut end, false, "warnings", warnings);
        end.extend_from_slice(b"\n}\n");
        text.push_str(std::str::from_utf8(&end).expect("serde_json writes UTF-8"));
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StackName;
    use crate::plan::fixtures::*;
    use crate::plan::{Blocker, diff};
    use crate::state::State;

    fn serde_pretty(plan: &Plan) -> String {
        let mut text = serde_json::to_string_pretty(plan).unwrap();
        text.push('\n');
        text
    }

    #[test]
    fn same_bytes_as_serde_json_pretty() {
        let m = model();
        let shared = StackName::shared();
        let mut plans = vec![
            diff(&m, &dev(), &State::empty(&dev()), None).unwrap(),
            diff(
                &m,
                &dev(),
                &applied(&m, &dev()),
                Some(&applied(&m, &shared)),
            )
            .unwrap(),
            diff(&m, &shared, &State::empty(&shared), None).unwrap(),
        ];
        let mut odd = plans[0].clone();
        odd.branch = Some("feature/\"quoted\"\n\u{1}é".into());
        odd.blockers.push(Blocker {
            address: "a".into(),
            message: "m".into(),
            hint: None,
        });
        odd.warnings.push("w\t".into());
        plans.push(odd);
        // Enough changes to take the two-thread path.
        let mut big = plans[0].clone();
        while big.changes.len() < 2 * PARALLEL_MIN + 3 {
            big.changes.extend(plans[0].changes.iter().cloned());
        }
        plans.push(big);
        for plan in &plans {
            assert_eq!(to_json(plan), serde_pretty(plan));
        }
    }
}
