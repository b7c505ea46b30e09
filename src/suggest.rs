//! "Did you mean" suggestions by edit distance, for configuration keys and
//! names as for state addresses.

/// The candidate closest to `word` (case-insensitive), if it is at most two
/// edits away (one for short words).
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let max = if word.chars().count() <= 3 { 1 } else { 2 };
    closest(word, candidates, max)
}

/// The address closest to `wanted` (case-insensitive): addresses are long,
/// so up to a third of their length may differ.
pub(crate) fn closest_address<'a, I>(wanted: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(wanted, candidates, wanted.chars().count() / 3 + 1)
}

/// The candidate nearest to `word` within `max` edits, ignoring case; a
/// candidate equal but for case wins at once. `word` itself is never
/// suggested.
pub(crate) fn closest<'a, I>(word: &str, candidates: I, max: usize) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_upper = word.to_ascii_uppercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let cand_upper = candidate.to_ascii_uppercase();
        if cand_upper == word_upper && candidate != word {
            // Same letters, different case.
            return Some(candidate);
        }
        let limit = best.map_or(max, |(d, _)| d.saturating_sub(1));
        if let Some(d) = edit_distance(&word_upper, &cand_upper, limit)
            && d > 0
            && best.is_none_or(|(b, _)| d < b)
        {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance, or `None` when it exceeds `max` (stops early).
pub(crate) fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let keys = ["size", "auto_suspend", "auto_resume", "comment"];
        assert_eq!(did_you_mean("auto_suspnd", keys), Some("auto_suspend"));
        assert_eq!(did_you_mean("szie", keys), Some("size"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(
            did_you_mean("PUDO_PORD_WH", ["PUDO_PROD_WH"]),
            Some("PUDO_PROD_WH")
        );
        assert_eq!(edit_distance("abc", "abc", 2), Some(0));
        assert_eq!(edit_distance("abc", "xyzw", 2), None);
    }

    #[test]
    fn suggests_close_addresses() {
        let recorded = ["database.PUDO_MLOPS", "warehouse.PUDO_DEV_WH"];
        assert_eq!(
            closest_address("database.pudo_mlops", recorded),
            Some("database.PUDO_MLOPS")
        );
        assert_eq!(
            closest_address("warehouse.PUDO_DEV_W", recorded),
            Some("warehouse.PUDO_DEV_WH")
        );
        assert_eq!(closest_address("role.X", recorded), None);
    }
}
