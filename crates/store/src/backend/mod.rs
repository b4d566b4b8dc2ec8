//! The SQLite and PostgreSQL implementations of [`Store`]. Both speak the same SQL (with `$n`
//! placeholders, which both accept), so one macro per concern — in `accounts.rs`,
//! `sign_ins.rs`, `cases.rs`, `sharing.rs`, `ledger.rs`, `jobs.rs`, `voice.rs`, `backup.rs` —
//! writes both and they cannot drift apart; what differs (connection settings, migrations) is
//! written out per backend, here.

#[macro_use]
mod accounts;
#[macro_use]
mod sign_ins;
#[macro_use]
mod cases;
#[macro_use]
mod sharing;
#[macro_use]
mod ledger;
#[macro_use]
mod jobs;
#[macro_use]
mod voice;
#[macro_use]
mod backup;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row};
use uuid::Uuid;

use crate::copy::{Column, TABLES, Value, columns};
use crate::{
    Batched, CaseKeyRow, CaseRow, CheckpointRow, Conflict, CopiedRow, FeedbackRow, InboxLinkRow, InvitationRow, JobRow,
    LeafRow, PasskeyRow, RecordRow, Result, SessionRow, ShareAccessRow, ShareRow, Store, StoreError, SubmissionRow,
    UserRow, WebauthnStateRow, from_millis, to_millis,
};

/// The embedded default: one SQLite file in WAL mode with `synchronous=FULL`.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH`) and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // What is deleted is overwritten with zeros, so a shredded key is not left in a
            // free page of the file.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    async fn reclaim(&self) -> Result<()> {
        // Readers of older snapshots keep the log from being emptied; they finish quickly.
        for _ in 0..20 {
            let (busy, _, _): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.pool).await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(StoreError::Busy("the write-ahead log could not be emptied"))
    }
}

/// PostgreSQL, for organisations that outgrow one machine.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and migrates the database.
    pub async fn open(url: &str) -> Result<PostgresStore> {
        let pool =
            PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    async fn reclaim(&self) -> Result<()> {
        sqlx::raw_sql("VACUUM FULL users, case_keys, shares, sessions, passkeys, webauthn_states, inbox_links, feedback, voice_keys")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Creates an empty database with a random name on the PostgreSQL server `admin_url` points
/// at, and returns its URL. For tests and benchmarks that need a database of their own.
pub async fn create_scratch_postgres_database(admin_url: &str) -> Result<String> {
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    let name = format!("lodge_scratch_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    conn.close().await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    Ok(format!("{base}/{name}{query}"))
}

/// A row read into the type it is read as, by its columns' names.
fn row<'r, T: sqlx::FromRow<'r, R>, R: Row>(r: &'r R) -> Result<T> {
    Ok(T::from_row(r)?)
}

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn conflict(what: Conflict) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

const USER_COLUMNS: &str = "id, username, role, disabled, kdf, salt, key_by_password, key_by_recovery, neutral_title, created_at, public_key, \
    totp_secret, totp_last_step, app_name, idle_minutes";
const PASSKEY_COLUMNS: &str = "id, user_id, credential_id, name, passkey, wrapped_key, created_at, last_used_at";
const INBOX_LINK_COLUMNS: &str = "id, case_id, token_hash, public_key, created_at, revoked_at";
const SUBMISSION_COLUMNS: &str = "id, case_id, link_id, received_at, body, file_keys";
const SHARE_COLUMNS: &str = "id, case_id, token_hash, wrapped_key, content_key, case_public_key, passphrase_salt, \
    passphrase_kdf, content, content_made_at, created_at, expires_at";
const SHARE_ACCESS_COLUMNS: &str = "id, case_id, share_id, at, body";
const SESSION_COLUMNS: &str =
    "id_hash, user_id, wrapped_user_key, created_at, last_seen_at, expires_at, device, pending_second_factor";
const CASE_COLUMNS: &str =
    "c.id, c.owner_id, c.title, c.created_at, c.updated_at, k.case_id, k.user_id, k.wrapped_key, k.access";
const CHECKPOINT_COLUMNS: &str = "case_id, size, note, created_at, timestamp_token";
const JOB_COLUMNS: &str = "id, case_id, user_id, kind, state, payload, done, total, attempts, run_after, \
    lease_owner, lease_until, error, created_at, updated_at";
const RECORD_COLUMNS: &str = "case_id, id, version, kind, created_at, author_id, deleted, fields";
/// The record columns as read, with the time of the record's first version.
const RECORD_READ: &str = "case_id, id, version, kind, created_at, author_id, deleted, fields, \
    (SELECT MIN(f.created_at) FROM records f WHERE f.id = r.id) AS first_created_at";

macro_rules! store_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        impl $store {
            /// Writes a leaf and its tree hashes inside a transaction. The leaf's primary key
            /// makes two appends that raced for one place fail rather than fork the log.
            /// Inserts a record version, notes the case as updated, and appends its leaf.
            async fn put_record(
                conn: &mut <$db as sqlx::Database>::Connection,
                r: &RecordRow,
                leaf: &LeafRow,
            ) -> Result<()> {
                sqlx::query(&format!("INSERT INTO records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(r.case_id.to_string())
                    .bind(r.id.to_string())
                    .bind(r.version)
                    .bind(&r.kind)
                    .bind(to_millis(r.created_at))
                    .bind(r.author_id.to_string())
                    .bind(r.deleted)
                    .bind(&r.fields)
                    .execute(&mut *conn)
                    .await
                    .map_err(conflict(Conflict::Version))?;
                sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                    .bind(to_millis(r.created_at))
                    .bind(r.case_id.to_string())
                    .execute(&mut *conn)
                    .await?;
                Self::put_leaf(conn, leaf).await
            }

            async fn put_leaf(conn: &mut <$db as sqlx::Database>::Connection, leaf: &LeafRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO ledger_leaves (case_id, idx, created_at, commitment, opening) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(leaf.case_id.to_string())
                .bind(leaf.index)
                .bind(to_millis(leaf.created_at))
                .bind(&leaf.commitment)
                .bind(&leaf.opening)
                .execute(&mut *conn)
                .await
                .map_err(conflict(Conflict::Ledger))?;
                for (i, hash) in leaf.hashes.iter().enumerate() {
                    sqlx::query("INSERT INTO ledger_hashes (case_id, idx, hash) VALUES ($1, $2, $3)")
                        .bind(leaf.case_id.to_string())
                        .bind(leaf.first_hash + i as i64)
                        .bind(&hash[..])
                        .execute(&mut *conn)
                        .await
                        .map_err(conflict(Conflict::Ledger))?;
                }
                Ok(())
            }

            fn share_row(r: &$row) -> Result<ShareRow> {
                let salt: Option<Vec<u8>> = r.try_get("passphrase_salt")?;
                let kdf: Option<String> = r.try_get("passphrase_kdf")?;
                let content: Option<String> = r.try_get("content")?;
                let made: Option<i64> = r.try_get("content_made_at")?;
                Ok(ShareRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    token_hash: r.try_get("token_hash")?,
                    wrapped_key: r.try_get("wrapped_key")?,
                    content_key: r.try_get("content_key")?,
                    case_public_key: r.try_get("case_public_key")?,
                    passphrase: salt.zip(kdf),
                    content: content.zip(made.map(from_millis).transpose()?),
                    created_at: from_millis(r.try_get("created_at")?)?,
                    expires_at: from_millis(r.try_get("expires_at")?)?,
                })
            }

            async fn put_case_key(conn: &mut <$db as sqlx::Database>::Connection, key: &CaseKeyRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO case_keys (case_id, user_id, wrapped_key, access) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (case_id, user_id) DO UPDATE SET wrapped_key = excluded.wrapped_key, access = excluded.access",
                )
                .bind(key.case_id.to_string())
                .bind(key.user_id.to_string())
                .bind(&key.wrapped_key)
                .bind(&key.access)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            fn case_row(r: &$row) -> Result<(CaseRow, CaseKeyRow)> {
                Ok((row(r)?, row(r)?))
            }

            fn copied_value(r: &$row, i: usize, kind: Column) -> Result<Value> {
                let bytes = |b: Vec<u8>| Value::Text(data_encoding::BASE64.encode(&b));
                Ok(match kind {
                    Column::Text => Value::Text(r.try_get(i)?),
                    Column::Int => Value::Int(r.try_get(i)?),
                    Column::Bool => Value::Bool(r.try_get(i)?),
                    Column::Bytes => bytes(r.try_get(i)?),
                    Column::NullableText => r.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
                    Column::NullableInt => r.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                    Column::NullableBytes => r.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Value::Null, bytes),
                })
            }

        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }
        }

        accounts_impl!($store, $db, $row, $name);
        sign_ins_impl!($store, $db, $row, $name);
        cases_impl!($store, $db, $row, $name);
        sharing_impl!($store, $db, $row, $name);
        ledger_impl!($store, $db, $row, $name);
        jobs_impl!($store, $db, $row, $name);
        voice_impl!($store, $db, $row, $name);
        backup_impl!($store, $db, $row, $name);
    };
}

store_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite");
store_impl!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres");
