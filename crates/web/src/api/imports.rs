//! Imports through the API: send an export, read the preview, then import it as chosen.

use axum::Json;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use lodge_service::{DateOrder, Grouping, ImportChoices, ImportFormat, ImportPreview, ServiceError, Staged};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody};
use crate::State;
use crate::extract::{ReadCase, WriteCase};

/// What an export holds, before anything is saved.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PreviewBody {
    /// The received export's id: send it back to import or discard it.
    id: Uuid,
    /// Its file name.
    file_name: String,
    /// The format it was read as (`whatsapp`, `sms-xml`, …).
    format: String,
    /// Messages, calls, emails or photos read.
    messages: u64,
    /// How many of them are already in the case.
    already: u64,
    /// First message time, if any.
    #[schema(format = DateTime)]
    first: Option<String>,
    /// Last message time, if any.
    #[schema(format = DateTime)]
    last: Option<String>,
    /// Conversations: name and message count.
    conversations: Vec<CountBody>,
    /// Senders: name, number/email/id, whether the export says it is her, and the person matched.
    senders: Vec<SenderBody>,
    /// Numbers, emails, handles and links found in messages, with the person they belong to.
    mentions: Vec<MentionBody>,
    /// Things to know about how it was read.
    notes: Vec<String>,
    /// When nothing in the export says whether the day or the month comes first: a date that
    /// reads two ways, and both readings. Import with `date_order` set to the right one.
    undecided: Option<UndecidedBody>,
    /// What could not be read, if part of the file is broken.
    problem: Option<String>,
}

/// A date that reads two ways, and both readings (clock times, without a zone).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UndecidedBody {
    /// As the export writes it.
    written: String,
    /// Read day first.
    #[schema(example = "2024-05-03T21:15:00")]
    day_first: String,
    /// Read month first.
    #[schema(example = "2024-03-05T21:15:00")]
    month_first: String,
}

/// Which comes first in the export's dates, where it does not say.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DateOrderChoice {
    /// 05/03/2024 is 5 March.
    DayFirst,
    /// 05/03/2024 is 3 May.
    MonthFirst,
}

impl From<DateOrderChoice> for DateOrder {
    fn from(c: DateOrderChoice) -> DateOrder {
        match c {
            DateOrderChoice::DayFirst => DateOrder::DayFirst,
            DateOrderChoice::MonthFirst => DateOrder::MonthFirst,
        }
    }
}

/// A name with a count.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CountBody {
    name: String,
    messages: u64,
}

/// A sender in a preview.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SenderBody {
    name: String,
    handle: Option<String>,
    mine: bool,
    messages: u64,
    person: Option<Uuid>,
}

/// An identifier found in a message.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MentionBody {
    kind: String,
    value: String,
    person: Option<Uuid>,
}

impl From<ImportPreview> for PreviewBody {
    fn from(p: ImportPreview) -> Self {
        PreviewBody {
            id: p.staged.id.0,
            file_name: p.staged.file_name,
            format: p.format.code().to_owned(),
            messages: p.messages,
            already: p.already,
            first: p.first.map(|t| t.to_string()),
            last: p.last.map(|t| t.to_string()),
            conversations: p
                .conversations
                .into_iter()
                .map(|c| CountBody { name: c.name, messages: c.messages })
                .collect(),
            senders: p
                .senders
                .into_iter()
                .map(|s| SenderBody {
                    name: s.name,
                    handle: s.handle,
                    mine: s.mine,
                    messages: s.messages,
                    person: s.person.map(|(id, _)| id.0),
                })
                .collect(),
            mentions: p
                .mentions
                .into_iter()
                .map(|m| MentionBody { kind: m.kind.to_owned(), value: m.value, person: m.person.map(|(id, _)| id.0) })
                .collect(),
            notes: p.notes,
            undecided: p.undecided.map(|u| UndecidedBody {
                written: u.written,
                day_first: u.day_first.to_string(),
                month_first: u.month_first.to_string(),
            }),
            problem: p.problem,
        }
    }
}

/// How to read a received export again.
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PreviewQuery {
    /// Its file name, as sent.
    file_name: String,
    /// The format, or `auto`.
    #[serde(default)]
    format: Option<String>,
    /// Time zone for times written without one (IANA), default the organisation's.
    #[serde(default)]
    zone: Option<String>,
    /// Which comes first in its dates, where the export does not say.
    #[serde(default)]
    date_order: Option<DateOrderChoice>,
}

/// Her choices for an import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportRequest {
    /// The file name, as sent.
    file_name: String,
    /// The format, or `auto` (the default).
    #[serde(default)]
    format: Option<String>,
    /// Time zone for times written without one (IANA), default the organisation's. Recorded.
    #[serde(default)]
    zone: Option<String>,
    /// Conversations to import; empty or missing for all.
    #[serde(default)]
    conversations: Vec<String>,
    /// Senders who are her.
    #[serde(default)]
    me: Vec<String>,
    /// Senders whose messages are left out.
    #[serde(default)]
    left_out: Vec<String>,
    /// Minutes of quiet that start a new incident; missing or 0 groups by day.
    #[serde(default)]
    burst_minutes: u32,
    /// Keep what was read before a broken part of the file.
    #[serde(default)]
    keep_partial: bool,
    /// Which comes first in its dates, where the export does not say (the preview's
    /// `undecided`); day first if left out.
    #[serde(default)]
    date_order: Option<DateOrderChoice>,
}

impl super::body::RequestBody for ImportRequest {}

/// What an import saved.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OutcomeBody {
    /// The evidence file holding the original export.
    exhibit: Uuid,
    incidents: u64,
    messages: u64,
    /// Messages already in the case, skipped.
    duplicates: u64,
    people_added: u64,
    /// What could not be read, when she chose to keep what could.
    problem: Option<String>,
}

fn format_of(code: Option<&str>) -> Result<Option<ImportFormat>, ServiceError> {
    match code.map(str::trim) {
        None | Some("" | "auto") => Ok(None),
        Some(code) => ImportFormat::from_code(code)
            .map(Some)
            .ok_or_else(|| ServiceError::invalid("format", &format!("Use {}.", ImportFormat::choices()))),
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/imports", tag = "imports", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    request_body(content = super::uploads::ImportUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = PreviewBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub(crate) async fn stage(
    axum::extract::State(state): State,
    WriteCase(_, open): WriteCase,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<PreviewBody>), ApiError> {
    let broken = || ServiceError::invalid("file", "The upload did not arrive whole. Send it again.");
    let (mut format, mut zone, mut staged) = (None, state.config.default_time_zone.clone(), None);
    let mut texts = crate::http::multipart::TextBudget::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        match field.name() {
            Some("format") => format = format_of(Some(&texts.read(field).await?))?,
            Some("zone") => zone = texts.read(field).await?,
            _ if staged.is_none() => {
                let name = field.file_name().unwrap_or("export").to_owned();
                staged = Some(open.stage_import(&name, field).await?);
            }
            _ => {
                crate::http::multipart::drain(&mut multipart).await;
                break;
            }
        }
    }
    let staged = staged.ok_or_else(|| ServiceError::invalid("file", "Send the export in a part named \"file\"."))?;
    match open.preview_import(&staged, format, &zone, None).await {
        Ok(preview) => Ok((StatusCode::CREATED, Json(preview.into()))),
        Err(e) => {
            open.discard_import(&staged).await?;
            Err(e.into())
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/imports/{import}", tag = "imports", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("import" = Uuid, Path), PreviewQuery),
    responses((status = 200, body = PreviewBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn preview(
    axum::extract::State(state): State,
    ReadCase(_, open): ReadCase,
    Path((_, import)): Path<(Uuid, Uuid)>,
    Query(query): Query<PreviewQuery>,
) -> Result<Json<PreviewBody>, ApiError> {
    let staged = Staged { id: lodge_domain::EvidenceId(import), file_name: query.file_name };
    let zone = query.zone.unwrap_or_else(|| state.config.default_time_zone.clone());
    let order = query.date_order.map(Into::into);
    Ok(Json(open.preview_import(&staged, format_of(query.format.as_deref())?, &zone, order).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/imports/{import}", tag = "imports", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("import" = Uuid, Path)), request_body = ImportRequest,
    responses((status = 201, body = OutcomeBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn import(
    axum::extract::State(state): State,
    WriteCase(_, open): WriteCase,
    Path((_, import)): Path<(Uuid, Uuid)>,
    super::body::Body(request): super::body::Body<ImportRequest>,
) -> Result<(StatusCode, Json<OutcomeBody>), ApiError> {
    let staged = Staged { id: lodge_domain::EvidenceId(import), file_name: request.file_name };
    let choices = ImportChoices {
        format: format_of(request.format.as_deref())?,
        zone: request.zone.unwrap_or_else(|| state.config.default_time_zone.clone()),
        conversations: request.conversations,
        me: request.me,
        left_out: request.left_out,
        grouping: if request.burst_minutes == 0 { Grouping::Day } else { Grouping::Burst(request.burst_minutes) },
        keep_partial: request.keep_partial,
        date_order: request.date_order.map(Into::into),
    };
    let done = open.import(&staged, &choices, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(OutcomeBody {
            exhibit: done.exhibit.0,
            incidents: done.incidents,
            messages: done.messages,
            duplicates: done.duplicates,
            people_added: done.people_added,
            problem: done.problem,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/imports/{import}", tag = "imports", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("import" = Uuid, Path)),
    responses((status = 204, description = "Discarded"), (status = 404, body = ErrorBody)))]
pub(crate) async fn discard(
    WriteCase(_, open): WriteCase,
    Path((_, import)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.discard_import(&Staged { id: lodge_domain::EvidenceId(import), file_name: String::new() }).await?;
    Ok(StatusCode::NO_CONTENT)
}
