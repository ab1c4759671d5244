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
        let check = |list: &[String]| -> Result<Vec<String>, UnknownPrefix> {
            list.iter()
                .map(|p| p.trim().to_ascii_uppercase())
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let valid = p == "ALL" || RULES.iter().any(|r| r.code.starts_with(p.as_str()));
                    if valid { Ok(p) } else { Err(UnknownPrefix(p)) }
                })
                .collect()
        };
        let mut select = check(select)?;
        if select.is_empty() {
            select.push("UC".to_owned());
        }
        select.extend(check(extend_select)?);
        let ignore = check(ignore)?;
        let best = |list: &[String], code: &str| {
            list.iter()
                .filter(|p| p.as_str() == "ALL" || code.starts_with(p.as_str()))
                .map(|p| if p == "ALL" { 0 } else { p.len() })
                .max()
        };
        let enabled = RULES
            .iter()
            .map(|r| r.code)
            .filter(|code| match (best(&select, code), best(&ignore, code)) {
                (Some(s), Some(i)) => s > i,
                (Some(_), None) => true,
                _ => false,
            })
            .collect();
        Ok(Self { enabled })
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }
}
