//! A case's signed checkpoints through the API: the newest, a consistency proof between two,
//! and a full check of the log and every record against it.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, ErrorBody};
use crate::extract::ReadCase;

/// A signed checkpoint of a case's log.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CheckpointOut {
    /// The log's origin line: `<server>/case/<case id>`.
    origin: String,
    /// How many entries the log had.
    size: u64,
    /// The RFC 6962 root hash, base64.
    root: String,
    /// The C2SP signed note (tlog-checkpoint text and Ed25519 signature line).
    note: String,
    /// The signed-note verifier key that checks `note`.
    verifier_key: String,
    /// The server's Ed25519 public key, base64.
    public_key: String,
    #[schema(value_type = String, format = DateTime)]
    signed_at: jiff::Timestamp,
}

impl From<lodge_service::SignedCheckpoint> for CheckpointOut {
    fn from(c: lodge_service::SignedCheckpoint) -> Self {
        CheckpointOut {
            origin: c.origin,
            size: c.size,
            root: data_encoding::BASE64.encode(&c.root.0),
            note: c.note,
            verifier_key: c.verifier_key,
            public_key: c.public_key,
            signed_at: c.signed_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/checkpoint", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = CheckpointOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_checkpoint(ReadCase(_, open): ReadCase) -> ApiResult<CheckpointOut> {
    Ok(Json(open.checkpoint().await?.into()))
}

/// What checking the whole log found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LogCheckOut {
    /// Leaves checked.
    size: u64,
    /// The root rebuilt from the leaves alone (hex).
    root: String,
    /// Kept checkpoints found signed and consistent with the log.
    checkpoints: usize,
    /// Whether everything checked out.
    ok: bool,
    /// The first thing wrong, if anything is.
    problem: Option<String>,
    /// Everything found changed outside Lodge, in plain words: records that do not match the
    /// log entries that recorded them.
    changed: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/checkpoint/verify", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = LogCheckOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn verify_log(ReadCase(_, open): ReadCase) -> ApiResult<LogCheckOut> {
    let check = open.verify_log().await?;
    Ok(Json(LogCheckOut {
        ok: check.problem.is_none(),
        size: check.size,
        root: check.root,
        checkpoints: check.checkpoints,
        problem: check.problem,
        changed: check.changed,
    }))
}

/// Which two checkpoints to prove consistent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsistencyQuery {
    /// The earlier log size.
    from: u64,
    /// The later log size; the log as it is now if left out.
    to: Option<u64>,
}

/// A consistency proof between two sizes of a case's log.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ConsistencyOut {
    from: u64,
    to: u64,
    /// The proof's hashes, base64, in RFC 6962 order.
    proof: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/checkpoint/consistency", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path), ConsistencyQuery),
    responses((status = 200, body = ConsistencyOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_consistency(
    ReadCase(_, open): ReadCase,
    axum::extract::Query(q): axum::extract::Query<ConsistencyQuery>,
) -> ApiResult<ConsistencyOut> {
    let to = match q.to {
        Some(to) => to,
        None => open.log_size().await?,
    };
    let proof = open.consistency_proof(q.from, to).await?;
    Ok(Json(ConsistencyOut {
        from: q.from,
        to,
        proof: proof.iter().map(|h| data_encoding::BASE64.encode(&h.0)).collect(),
    }))
}
