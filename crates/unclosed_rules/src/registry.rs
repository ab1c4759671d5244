//! The rule table: every rule's code, name and documentation, in one place.

use crate::rules;

/// Static description of a rule. Its documentation is the doc comment of
/// the rule's struct, so `unclosed rule` and `docs/rules/` never drift from
/// the code.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
    raw_doc: &'static str,
}

impl Rule {
    #[doc(hidden)]
    pub const fn new(
        code: &'static str,
        name: &'static str,
        summary: &'static str,
        raw_doc: &'static str,
    ) -> Self {
        Self {
            code,
            name,
            summary,
            raw_doc,
        }
    }

    /// The rule's documentation as Markdown (doc comment without the
    /// leading space of each line).
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.raw_doc.len());
        for line in self.raw_doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_owned() + "\n"
    }
}

/// Declare a rule struct whose doc comment is its user documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const RULE: $crate::registry::Rule =
                $crate::registry::Rule::new($code, $kebab, $summary, concat!($($doc, "\n"),*));
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, in code order. `UC000` is the file-level error pseudo-rule.
pub const RULES: &[Rule] = &[
    rules::uc000::SyntaxError::RULE,
    rules::uc101::ResourceNotClosed::RULE,
    rules::uc102::ClosedOnlyOnHappyPath::RULE,
    rules::uc103::ReassignedWhileOpen::RULE,
    rules::uc104::UnclosedTemporary::RULE,
    rules::uc105::Sqlite3WithDoesNotClose::RULE,
    rules::uc106::WriteNotFinalized::RULE,
    rules::uc107::FdNotClosed::RULE,
    rules::uc201::UseAfterClose::RULE,
    rules::uc202::CloseOfPossiblyUnbound::RULE,
    rules::uc203::PopenPipeDeadlock::RULE,
    rules::uc204::CloseErrorSwallowed::RULE,
    rules::uc301::ResourceGeneratorAbandoned::RULE,
    rules::uc302::AsyncGeneratorNotAclosed::RULE,
    rules::uc303::GeneratorExitIgnored::RULE,
    rules::uc401::OwnedResourceNeverReleased::RULE,
    rules::uc402::DelOnlyCleanup::RULE,
    rules::uc403::CloseWithoutContextManager::RULE,
    rules::uc404::ExitSwallowsExceptions::RULE,
    rules::uc501::FdMadeInheritable::RULE,
];

/// Look a rule up by code (case-insensitive) or name.
pub fn find_rule(key: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}
