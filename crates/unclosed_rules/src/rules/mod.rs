//! One module per rule. Each module's rule struct carries the rule's user
//! documentation; its `diagnostic` function words the finding from the
//! analysis facts.

pub mod uc000;
pub mod uc101;
pub mod uc102;
pub mod uc103;
pub mod uc104;
pub mod uc105;
pub mod uc106;
pub mod uc107;
pub mod uc201;
pub mod uc202;
pub mod uc203;
pub mod uc204;
pub mod uc301;
pub mod uc302;
pub mod uc303;
pub mod uc401;
pub mod uc402;
pub mod uc403;
pub mod uc404;
pub mod uc501;
