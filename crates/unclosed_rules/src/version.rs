//! The Python version the checked code targets (`target-version`).

/// A Python 3 minor version, as in `target-version = "py310"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    pub major: u8,
    pub minor: u8,
}

impl PythonVersion {
    pub const PY38: Self = Self::new(3, 8);
    pub const PY39: Self = Self::new(3, 9);
    pub const PY310: Self = Self::new(3, 10);
    pub const PY311: Self = Self::new(3, 11);
    pub const PY312: Self = Self::new(3, 12);
    pub const PY313: Self = Self::new(3, 13);
    pub const PY314: Self = Self::new(3, 14);

    /// Every version `target-version` accepts, oldest first.
    pub const SUPPORTED: &'static [Self] = &[
        Self::PY38,
        Self::PY39,
        Self::PY310,
        Self::PY311,
        Self::PY312,
        Self::PY313,
        Self::PY314,
    ];

    pub const fn new(major: u8, minor: u8) -> Self {
        Self { major, minor }
    }

    /// Parse a `target-version` name: `py38` .. `py314`.
    pub fn from_target_name(name: &str) -> Option<Self> {
        Self::SUPPORTED
            .iter()
            .copied()
            .find(|v| v.target_name() == name)
    }

    /// The `target-version` spelling: `py310`.
    pub fn target_name(self) -> String {
        format!("py{}{}", self.major, self.minor)
    }
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order() {
        for v in PythonVersion::SUPPORTED {
            assert_eq!(PythonVersion::from_target_name(&v.target_name()), Some(*v));
        }
        assert_eq!(
            PythonVersion::from_target_name("py310"),
            Some(PythonVersion::PY310)
        );
        assert!(PythonVersion::PY39 < PythonVersion::PY310);
        assert_eq!(PythonVersion::from_target_name("py27"), None);
        assert_eq!(PythonVersion::from_target_name("3.10"), None);
        assert_eq!(PythonVersion::PY314.to_string(), "3.14");
    }
}
