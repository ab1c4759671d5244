use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a file that could not be analyzed: a syntax error, a file that
    /// cannot be read, is not valid in its declared encoding (PEP 263), looks
    /// binary, is larger than `--max-file-size`, or nests brackets deeper
    /// than CPython allows.
    ///
    /// ## Why is this bad?
    /// Nothing else in that file is checked, so its leaks go unreported.
    /// Every other file is still analyzed.
    ///
    /// ## Example
    /// ```python
    /// def broken(:
    ///     pass
    /// ```
    ///
    /// ## Use instead
    /// Fix the syntax error, or exclude the file with `--exclude`.
    pub struct SyntaxError {
        code: "UC000",
        name: "syntax-error",
        summary: "the file could not be read or parsed",
    }
}
