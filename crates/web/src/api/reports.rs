//! Reports through the API: what she chooses (dates, incidents, what to leave out, a lock),
//! checked, and the PDF or evidence bundle made from it.

use axum::response::Response;
use lodge_domain::IncidentId;
use lodge_service::{Redact, ReportFile, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::extract::ReadCase;

/// What goes into a report, and whether it comes as a PDF or as the evidence bundle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    /// `bundle` (the default) for the zip with the report, every exhibit, the manifest, the
    /// signed checkpoint and inclusion proofs; `pdf` for the report alone.
    #[serde(default)]
    format: ReportFormat,
    /// The name the report uses: her working name or legal name.
    #[schema(min_length = 1, max_length = 200)]
    subject_name: String,
    /// Who prepared it.
    #[serde(default)]
    #[schema(max_length = 200)]
    prepared_by: String,
    /// Who it is for.
    #[serde(default)]
    #[schema(max_length = 200)]
    prepared_for: String,
    /// Only incidents on or after this day.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2025-03-01")]
    from: Option<jiff::civil::Date>,
    /// Only incidents on or before this day.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2025-04-30")]
    to: Option<jiff::civil::Date>,
    /// Only these incidents; all in the date range if left out.
    #[serde(default)]
    incidents: Option<Vec<Uuid>>,
    /// Lock the bundle with age: to a passphrase, or to officers' age public keys.
    #[serde(default)]
    seal: Option<SealRequest>,
    /// Fields to leave out.
    #[serde(default)]
    redact: Vec<RedactField>,
    /// Put where imported photos were taken (GPS) in the chronology. Off unless asked.
    #[serde(default)]
    photo_locations: bool,
    /// What she asks of the police and how to contact her safely, for the first page.
    #[serde(default)]
    wishes: lodge_domain::Wishes,
    /// Her answers to the stalking risk questions (S-DASH items 1 to 11), if she gives any.
    #[serde(default)]
    risk: lodge_domain::RiskAnswers,
}

/// The report a police link shows: what goes into it (its officer is the link's label).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportChoices {
    /// The name the report uses: her working name or legal name.
    #[schema(min_length = 1, max_length = 200)]
    subject_name: String,
    /// Who prepared it.
    #[serde(default)]
    #[schema(max_length = 200)]
    prepared_by: String,
    /// Only incidents on or after this day.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2025-03-01")]
    from: Option<jiff::civil::Date>,
    /// Only incidents on or before this day.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2025-04-30")]
    to: Option<jiff::civil::Date>,
    /// Fields to leave out.
    #[serde(default)]
    redact: Vec<RedactField>,
    /// What she asks of the police and how to contact her safely, for the first page.
    #[serde(default)]
    wishes: lodge_domain::Wishes,
    /// Her answers to the stalking risk questions (S-DASH items 1 to 11), if she gives any.
    #[serde(default)]
    risk: lodge_domain::RiskAnswers,
}

impl ReportChoices {
    /// The report's options.
    pub(crate) fn options(self) -> lodge_service::ReportOptions {
        lodge_service::ReportOptions {
            from: self.from,
            to: self.to,
            incidents: None,
            subject_name: self.subject_name,
            prepared_by: self.prepared_by,
            prepared_for: String::new(),
            redact: self.redact.into_iter().map(Into::into).collect(),
            photo_locations: false,
            wishes: self.wishes,
            risk: self.risk,
        }
    }
}

/// A field of the report that can be left out.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RedactField {
    Verbatim,
    EffectWords,
    Witnesses,
    Places,
    WebAddresses,
    PoliceReferences,
    PersonDetails,
    Pictures,
}

impl RequestBody for ReportRequest {}
impl RequestBody for ReportChoices {}

/// How to lock a bundle. Give one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SealRequest {
    /// A passphrase of at least 12 characters.
    #[serde(default)]
    passphrase: Option<String>,
    /// age X25519 public keys (`age1…`).
    #[serde(default)]
    recipients: Vec<String>,
}

/// The two forms a report comes in.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReportFormat {
    /// The PDF.
    Pdf,
    /// The evidence bundle (zip).
    #[default]
    Bundle,
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/reports", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = ReportRequest,
    responses(
        (status = 200, description = "The report as PDF, or the evidence bundle as zip (age-encrypted when sealed)",
            content(("application/pdf"), ("application/zip"), ("application/octet-stream"))),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_report(
    ReadCase(_, open): ReadCase,
    Body(request): Body<ReportRequest>,
) -> Result<Response, ApiError> {
    let (options, file, seal) = request.choices()?;
    Ok(crate::http::download::report(open, &options, file, seal).await?)
}

impl ReportRequest {
    /// What she chose, checked: the report's options, the file, and the lock.
    pub(crate) fn choices(
        self,
    ) -> Result<(lodge_service::ReportOptions, ReportFile, Option<lodge_service::Seal>), ServiceError> {
        let mut problems = lodge_domain::Problems::default();
        let seal = match self.seal {
            None => None,
            Some(SealRequest { passphrase: Some(p), .. }) => {
                lodge_service::Seal::passphrase(lodge_service::SecretString::from(p))
                    .map_err(|e| problems.add("seal.passphrase", e.to_string()))
                    .ok()
            }
            Some(SealRequest { recipients, .. }) => {
                lodge_service::Seal::recipients(recipients.iter().map(String::as_str))
                    .map_err(|e| problems.add("seal.recipients", e.to_string()))
                    .ok()
            }
        };
        let file = match self.format {
            ReportFormat::Pdf => ReportFile::Pdf,
            ReportFormat::Bundle => ReportFile::Bundle,
        };
        if seal.is_some() && file == ReportFile::Pdf {
            problems.add("seal", "Only the evidence bundle can be locked; ask for format bundle.");
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let report = ReportChoices {
            subject_name: self.subject_name,
            prepared_by: self.prepared_by,
            from: self.from,
            to: self.to,
            redact: self.redact,
            wishes: self.wishes,
            risk: self.risk,
        };
        let options = lodge_service::ReportOptions {
            incidents: self.incidents.map(|ids| ids.into_iter().map(IncidentId).collect()),
            prepared_for: self.prepared_for,
            photo_locations: self.photo_locations,
            ..report.options()
        };
        Ok((options, file, seal))
    }
}

impl From<RedactField> for Redact {
    fn from(f: RedactField) -> Redact {
        match f {
            RedactField::Verbatim => Redact::Verbatim,
            RedactField::EffectWords => Redact::EffectWords,
            RedactField::Witnesses => Redact::Witnesses,
            RedactField::Places => Redact::Places,
            RedactField::WebAddresses => Redact::WebAddresses,
            RedactField::PoliceReferences => Redact::PoliceReferences,
            RedactField::PersonDetails => Redact::PersonDetails,
            RedactField::Pictures => Redact::Pictures,
        }
    }
}
