//! `unclosed rule CODE` / `unclosed rule --all`.

use std::io::Write;

use anyhow::bail;

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The rule's code (UC101) or name (resource-not-closed).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub code: Option<String>,
    /// Print every rule's documentation.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: &RuleArgs) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    if args.all {
        for (i, rule) in unclosed_rules::RULES.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write_rule(&mut out, rule)?;
        }
        return Ok(0);
    }
    let key = args.code.as_deref().unwrap_or_default();
    let Some(rule) = unclosed_rules::find_rule(key) else {
        bail!("unknown rule `{key}`; `unclosed rule --all` lists every rule");
    };
    write_rule(&mut out, rule)?;
    Ok(0)
}

fn write_rule(out: &mut dyn Write, rule: &unclosed_rules::Rule) -> std::io::Result<()> {
    writeln!(out, "# {} ({})", rule.name, rule.code)?;
    writeln!(out)?;
    writeln!(out, "{}.", capitalize(rule.summary))?;
    writeln!(out)?;
    write!(out, "{}", rule.doc())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
