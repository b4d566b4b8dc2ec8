//! Reports made from a case: the police report as PDF (Typst as a library, fonts bundled, no
//! I/O), the evidence bundle that carries it with every exhibit and the proofs from the case
//! log, and the offline verification of such a bundle.
//!
//! - [`document`]: what a report shows, chosen and worded by the caller;
//! - [`pdf`]: lays a [`ReportDocument`] out as PDF;
//! - [`bundle`]: writes the zip and its signed manifest;
//! - [`sealed`]: bundles sealed with age, to a passphrase or an officer's public key;
//! - [`verify`]: checks a bundle and names the file that fails.

pub mod bundle;
pub mod document;
pub mod pdf;
pub mod records;
pub mod sealed;
pub mod verify;

pub use age::secrecy::{ExposeSecret, SecretString};
pub use bundle::{BundleWriter, ExhibitSource, LogInfo, Manifest};
pub use document::{
    ChronologyRow, CourseSection, ExhibitRow, IntegritySection, LegalRow, ReportDocument, ReportIdentifier,
    ReportPerson,
};
pub use pdf::{Picture, render_letter_pdf, render_pdf};
pub use sealed::{Seal, SealError, Unseal};
pub use verify::{Verified, VerifyError, verify_bundle};

/// What can go wrong making a report or a bundle.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Typst could not lay the report out (a bug in the template or bad data).
    #[error("the report could not be laid out: {0}")]
    Layout(String),
    /// Writing the bundle failed.
    #[error("the bundle could not be written: {0}")]
    Bundle(String),
    /// An exhibit's bytes are not the ones the case log recorded.
    #[error("exhibit {0} is not the file the case log recorded; the bundle was not made")]
    ExhibitChanged(String),
    /// Signing failed.
    #[error(transparent)]
    Ledger(#[from] lodge_ledger::LedgerError),
}
