//! `--select` / `--extend-select` / `--ignore`: code prefixes.

use crate::registry::RULES;

/// Which rule codes are reported.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    enabled: Vec<&'static str>,
}

impl Default for RuleSelection {
    fn default() -> Self {
        Self {
            enabled: RULES.iter().map(|r| r.code).collect(),
        }
    }
}

/// A prefix that names no rule.
#[derive(Debug)]
pub struct UnknownPrefix(pub String);

impl std::fmt::Display for UnknownPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` matches no rule code (codes look like UC101; prefixes like UC1 or UC select families; see `unclosed rule --all`)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPrefix {}

/// Normalize a code prefix (`uc1` -> `UC1`) and check that it names at
/// least one rule, or is `ALL`.
pub fn parse_prefix(prefix: &str) -> Result<String, UnknownPrefix> {
    let p = prefix.trim().to_ascii_uppercase();
    let valid =
        !p.is_empty() && (p == "ALL" || RULES.iter().any(|r| r.code.starts_with(p.as_str())));
    if valid { Ok(p) } else { Err(UnknownPrefix(p)) }
}

/// Whether `prefix` (already normalized by [`parse_prefix`]) covers `code`.
pub fn prefix_matches(prefix: &str, code: &str) -> bool {
    prefix == "ALL" || code.starts_with(prefix)
}

/// One layer of selection options: the configuration file's, then the
/// command line's.
#[derive(Debug, Clone, Copy, Default)]
pub struct SelectionLayer<'a> {
    /// `None` keeps the previous layer's set; `Some` replaces it.
    pub select: Option<&'a [String]>,
    pub extend_select: &'a [String],
    pub ignore: &'a [String],
}

impl RuleSelection {
    /// Start from `select` (all rules when empty), add `extend_select`,
    /// remove `ignore`. The most specific prefix wins, as in ruff: `--select
    /// UC1 --ignore UC1` selects nothing, `--ignore UC1 --select UC101`
    /// keeps UC101.
    pub fn from_prefixes(
        select: &[String],
        extend_select: &[String],
        ignore: &[String],
    ) -> Result<Self, UnknownPrefix> {
        Self::from_layers(&[SelectionLayer {
            select: (!select.is_empty()).then_some(select),
            extend_select,
            ignore,
        }])
    }

    /// Apply layers in order, as ruff does with its configuration file and
    /// command line: within a layer the most specific prefix wins (an
    /// `ignore` beats a `select` of the same length); a layer with `select`
    /// replaces everything before it, a layer without one (only
    /// `extend-select` and `ignore`) changes the previous layer's set.
    pub fn from_layers(layers: &[SelectionLayer<'_>]) -> Result<Self, UnknownPrefix> {
        let mut enabled: Vec<bool> = vec![true; RULES.len()];
        for layer in layers {
            let parse = |list: &[String]| -> Result<Vec<String>, UnknownPrefix> {
                list.iter()
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| parse_prefix(p))
                    .collect()
            };
            let mut select = match layer.select {
                Some(list) => parse(list)?,
                None => Vec::new(),
            };
            select.extend(parse(layer.extend_select)?);
            let ignore = parse(layer.ignore)?;
            let best = |list: &[String], code: &str| {
                list.iter()
                    .filter(|p| prefix_matches(p, code))
                    .map(|p| if p == "ALL" { 0 } else { p.len() })
                    .max()
            };
            for (on, rule) in enabled.iter_mut().zip(RULES) {
                let update = match (best(&select, rule.code), best(&ignore, rule.code)) {
                    (Some(s), Some(i)) => Some(s > i),
                    (Some(_), None) => Some(true),
                    (None, Some(_)) => Some(false),
                    (None, None) => None,
                };
                *on = match (layer.select.is_some(), update) {
                    (true, update) => update.unwrap_or(false),
                    (false, Some(update)) => update,
                    (false, None) => *on,
                };
            }
        }
        let enabled = RULES
            .iter()
            .zip(enabled)
            .filter(|(_, on)| *on)
            .map(|(rule, _)| rule.code)
            .collect();
        Ok(Self { enabled })
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }

    /// The enabled codes, in registry order.
    pub fn enabled(&self) -> &[&'static str] {
        &self.enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn codes(selection: &RuleSelection) -> String {
        selection.enabled().join(" ")
    }

    #[test]
    fn a_later_select_replaces_the_earlier_layers() {
        let config_ignore = strings(&["UC102"]);
        let cli_select = strings(&["UC102"]);
        let selection = RuleSelection::from_layers(&[
            SelectionLayer {
                ignore: &config_ignore,
                ..Default::default()
            },
            SelectionLayer {
                select: Some(&cli_select),
                ..Default::default()
            },
        ])
        .unwrap();
        assert_eq!(codes(&selection), "UC102");
    }

    #[test]
    fn a_later_ignore_or_extend_select_changes_the_earlier_set() {
        let config_select = strings(&["UC10"]);
        let config_ignore = strings(&["UC101"]);
        let cli_ignore = strings(&["UC107"]);
        let cli_extend = strings(&["UC101"]);
        let selection = RuleSelection::from_layers(&[
            SelectionLayer {
                select: Some(&config_select),
                ignore: &config_ignore,
                ..Default::default()
            },
            SelectionLayer {
                select: None,
                extend_select: &cli_extend,
                ignore: &cli_ignore,
            },
        ])
        .unwrap();
        assert_eq!(codes(&selection), "UC101 UC102 UC103 UC104 UC105 UC106");
    }

    #[test]
    fn prefixes_are_normalized_and_checked() {
        assert_eq!(parse_prefix(" uc1 ").unwrap(), "UC1");
        assert_eq!(parse_prefix("all").unwrap(), "ALL");
        assert!(parse_prefix("XY1").is_err());
        assert!(parse_prefix("").is_err());
    }
}
