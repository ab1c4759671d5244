//! One module per rule. Each module's rule struct carries the rule's user
//! documentation; its functions build the diagnostic from analysis facts.

pub mod uc000;
