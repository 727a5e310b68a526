//! Online applications (istanze): drafts prefilled from the registry, submission with its
//! protocol number and sealed receipt, the office's work on them, the notices to the
//! citizen, and the registry change an accepted residence declaration makes.

pub mod citizen;
pub mod desk;
pub mod drafts;
pub mod effect;
pub mod fee;
mod flow;
mod letters;
pub mod record;
pub mod views;

pub use record::Application;

/// The most files one application holds (its own and those of the answers).
pub const MAX_FILES: usize = 20;

/// The size limit of the files of an answer to the office.
pub const ANSWER_LIMIT_KB: u32 = crate::domain::applications::catalog::MAX_ATTACHMENT_KB;

/// A new random identifier (applications, files): 16 lowercase hex digits.
pub fn new_id() -> String {
    let mut b = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}
