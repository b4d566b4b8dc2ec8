//! Takedown: from a copy of her content found online to a notice that gets it removed.
//!
//! - [`route`]: which legal mechanisms fit — DMCA, DSA Article 16, search-engine delisting
//!   (copyright, intimate images shared without consent, fakes) and the platform's own report —
//!   from who made the content, whether she is paid for it, whether it is real, and where the
//!   site is (`reference/takedown.md`);
//! - [`notice`]: a notice for one route and one host, with every element that route requires,
//!   or a refusal naming what is missing; as a plain-text email and a Lumen-compatible record;
//! - [`tracking`]: the statuses a notice goes through, when a follow-up and an escalation are
//!   due, and the removal rate and time to removal per site;
//! - [`send`]: sending a notice through the organisation's own SMTP server.

pub mod notice;
pub mod route;
pub mod send;
pub mod tracking;
