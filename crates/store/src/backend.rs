//! The SQLite and PostgreSQL implementations of [`Store`]. Both speak the same SQL (with `$n`
//! placeholders, which both accept), so one macro writes both and they cannot drift apart;
//! what differs (connection settings, migrations) is written out per backend.

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

            fn leaf_row(r: &$row) -> Result<LeafRow> {
                Ok(LeafRow {
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    index: r.try_get("idx")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    commitment: r.try_get("commitment")?,
                    opening: r.try_get("opening")?,
                    first_hash: 0,
                    hashes: Vec::new(),
                })
            }

            fn checkpoint_row(r: &$row) -> Result<CheckpointRow> {
                Ok(CheckpointRow {
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    size: r.try_get("size")?,
                    note: r.try_get("note")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    timestamp_token: r.try_get("timestamp_token")?,
                })
            }

            fn user_row(r: &$row) -> Result<UserRow> {
                Ok(UserRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    username: r.try_get("username")?,
                    role: r.try_get("role")?,
                    disabled: r.try_get("disabled")?,
                    kdf: r.try_get("kdf")?,
                    salt: r.try_get("salt")?,
                    key_by_password: r.try_get("key_by_password")?,
                    key_by_recovery: r.try_get("key_by_recovery")?,
                    neutral_title: r.try_get("neutral_title")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    public_key: r.try_get("public_key")?,
                    totp_secret: r.try_get("totp_secret")?,
                    totp_last_step: r.try_get("totp_last_step")?,
                    app_name: r.try_get("app_name")?,
                    idle_minutes: r.try_get("idle_minutes")?,
                })
            }

            fn passkey_row(r: &$row) -> Result<PasskeyRow> {
                Ok(PasskeyRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    user_id: uuid(&r.try_get::<String, _>("user_id")?)?,
                    credential_id: r.try_get("credential_id")?,
                    name: r.try_get("name")?,
                    passkey: r.try_get("passkey")?,
                    wrapped_key: r.try_get("wrapped_key")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(from_millis).transpose()?,
                })
            }

            fn inbox_link_row(r: &$row) -> Result<InboxLinkRow> {
                Ok(InboxLinkRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    token_hash: r.try_get("token_hash")?,
                    public_key: r.try_get("public_key")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(from_millis).transpose()?,
                })
            }

            fn submission_row(r: &$row) -> Result<SubmissionRow> {
                Ok(SubmissionRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    link_id: uuid(&r.try_get::<String, _>("link_id")?)?,
                    received_at: from_millis(r.try_get("received_at")?)?,
                    body: r.try_get("body")?,
                    file_keys: r.try_get("file_keys")?,
                })
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

            fn share_access_row(r: &$row) -> Result<ShareAccessRow> {
                Ok(ShareAccessRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    share_id: uuid(&r.try_get::<String, _>("share_id")?)?,
                    at: from_millis(r.try_get("at")?)?,
                    body: r.try_get("body")?,
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

            fn session_row(r: &$row) -> Result<SessionRow> {
                Ok(SessionRow {
                    id_hash: r.try_get("id_hash")?,
                    user_id: uuid(&r.try_get::<String, _>("user_id")?)?,
                    wrapped_user_key: r.try_get("wrapped_user_key")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    last_seen_at: from_millis(r.try_get("last_seen_at")?)?,
                    expires_at: from_millis(r.try_get("expires_at")?)?,
                    device: r.try_get("device")?,
                    pending_second_factor: r.try_get("pending_second_factor")?,
                })
            }

            fn case_row(r: &$row) -> Result<(CaseRow, CaseKeyRow)> {
                Ok((
                    CaseRow {
                        id: uuid(&r.try_get::<String, _>(0)?)?,
                        owner_id: uuid(&r.try_get::<String, _>(1)?)?,
                        title: r.try_get(2)?,
                        created_at: from_millis(r.try_get(3)?)?,
                        updated_at: from_millis(r.try_get(4)?)?,
                    },
                    CaseKeyRow {
                        case_id: uuid(&r.try_get::<String, _>(5)?)?,
                        user_id: uuid(&r.try_get::<String, _>(6)?)?,
                        wrapped_key: r.try_get(7)?,
                        access: r.try_get(8)?,
                    },
                ))
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

            fn job_row(r: &$row) -> Result<JobRow> {
                Ok(JobRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    user_id: uuid(&r.try_get::<String, _>("user_id")?)?,
                    kind: r.try_get("kind")?,
                    state: r.try_get("state")?,
                    payload: r.try_get("payload")?,
                    done: r.try_get("done")?,
                    total: r.try_get("total")?,
                    attempts: r.try_get("attempts")?,
                    run_after: from_millis(r.try_get("run_after")?)?,
                    lease_owner: r.try_get("lease_owner")?,
                    lease_until: from_millis(r.try_get("lease_until")?)?,
                    error: r.try_get("error")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    updated_at: from_millis(r.try_get("updated_at")?)?,
                })
            }

            fn record_row(r: &$row) -> Result<RecordRow> {
                Ok(RecordRow {
                    case_id: uuid(&r.try_get::<String, _>("case_id")?)?,
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    version: r.try_get("version")?,
                    kind: r.try_get("kind")?,
                    created_at: from_millis(r.try_get("created_at")?)?,
                    first_created_at: from_millis(r.try_get("first_created_at")?)?,
                    author_id: uuid(&r.try_get::<String, _>("author_id")?)?,
                    deleted: r.try_get("deleted")?,
                    fields: r.try_get("fields")?,
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

            async fn count_users(&self) -> Result<i64> {
                Ok(sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?.try_get(0)?)
            }

            async fn create_user(&self, user: &UserRow, invitation: Option<&[u8]>, now: Timestamp) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                if let Some(hash) = invitation {
                    let used = sqlx::query(
                        "UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
                    )
                    .bind(to_millis(now))
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                    if used.rows_affected() != 1 {
                        return Err(StoreError::InvalidInvitation);
                    }
                }
                sqlx::query(&format!(
                    "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ))
                .bind(user.id.to_string())
                .bind(&user.username)
                .bind(&user.role)
                .bind(user.disabled)
                .bind(&user.kdf)
                .bind(&user.salt)
                .bind(&user.key_by_password)
                .bind(&user.key_by_recovery)
                .bind(user.neutral_title)
                .bind(to_millis(user.created_at))
                .bind(&user.public_key)
                .bind(&user.totp_secret)
                .bind(user.totp_last_step)
                .bind(&user.app_name)
                .bind(user.idle_minutes)
                .execute(&mut *tx)
                .await
                .map_err(conflict(Conflict::Username))?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::user_row)
                    .transpose()
            }

            async fn user(&self, id: Uuid) -> Result<Option<UserRow>> {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::user_row)
                    .transpose()
            }

            async fn users(&self) -> Result<Vec<UserRow>> {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::user_row)
                    .collect()
            }

            async fn update_user_keys(&self, user: &UserRow) -> Result<()> {
                sqlx::query("UPDATE users SET kdf = $1, salt = $2, key_by_password = $3, key_by_recovery = $4 WHERE id = $5")
                    .bind(&user.kdf)
                    .bind(&user.salt)
                    .bind(&user.key_by_password)
                    .bind(&user.key_by_recovery)
                    .bind(user.id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_user_disabled(&self, id: Uuid, disabled: bool) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if disabled {
                    sqlx::query("DELETE FROM voice_keys WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_public_key(&self, id: Uuid, public_key: &[u8]) -> Result<()> {
                sqlx::query("UPDATE users SET public_key = $1 WHERE id = $2")
                    .bind(public_key)
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_user_safety(
                &self,
                id: Uuid,
                neutral_title: bool,
                app_name: &str,
                idle_minutes: Option<i64>,
            ) -> Result<()> {
                sqlx::query("UPDATE users SET neutral_title = $1, app_name = $2, idle_minutes = $3 WHERE id = $4")
                    .bind(neutral_title)
                    .bind(app_name)
                    .bind(idle_minutes)
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_invitation(&self, inv: &InvitationRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO invitations (token_hash, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&inv.token_hash)
                .bind(&inv.role)
                .bind(inv.created_by.map(|u| u.to_string()))
                .bind(to_millis(inv.created_at))
                .bind(to_millis(inv.expires_at))
                .execute(&self.pool)
                .await
                .map_err(conflict(Conflict::Invitation))?;
                Ok(())
            }

            async fn invitation(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<InvitationRow>> {
                let row = sqlx::query(
                    "SELECT token_hash, role, created_by, created_at, expires_at FROM invitations
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(to_millis(now))
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| -> Result<InvitationRow> {
                    Ok(InvitationRow {
                        token_hash: r.try_get(0)?,
                        role: r.try_get(1)?,
                        created_by: r.try_get::<Option<String>, _>(2)?.as_deref().map(uuid).transpose()?,
                        created_at: from_millis(r.try_get(3)?)?,
                        expires_at: from_millis(r.try_get(4)?)?,
                    })
                })
                .transpose()
            }

            async fn invitation_name_taken(&self, token_hash: &[u8], now: Timestamp, most: i64) -> Result<bool> {
                let count: Option<i64> = sqlx::query_scalar(
                    "UPDATE invitations SET names_taken = names_taken + 1,
                       used_at = CASE WHEN names_taken + 1 >= $2 THEN $3 ELSE used_at END
                     WHERE token_hash = $1 AND used_at IS NULL RETURNING names_taken",
                )
                .bind(token_hash)
                .bind(most)
                .bind(to_millis(now))
                .fetch_optional(&self.pool)
                .await?;
                Ok(count.is_none_or(|n| n >= most))
            }

            async fn delete_setup_invitations(&self) -> Result<()> {
                sqlx::query("DELETE FROM invitations WHERE created_by IS NULL AND used_at IS NULL")
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_session(&self, s: &SessionRow) -> Result<()> {
                sqlx::query(&format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(&s.id_hash)
                    .bind(s.user_id.to_string())
                    .bind(&s.wrapped_user_key)
                    .bind(to_millis(s.created_at))
                    .bind(to_millis(s.last_seen_at))
                    .bind(to_millis(s.expires_at))
                    .bind(&s.device)
                    .bind(s.pending_second_factor)
                    .execute(&self.pool)
                    .await
                    .map_err(conflict(Conflict::Session))?;
                Ok(())
            }

            async fn blocked_until(&self, key: &[u8]) -> Result<Option<Timestamp>> {
                let until: Option<i64> = sqlx::query_scalar("SELECT blocked_until FROM attempts WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                until.map(from_millis).transpose()
            }

            async fn count_attempt(
                &self,
                key: &[u8],
                now: Timestamp,
                window_start: Timestamp,
                threshold: i64,
                holds: &[jiff::SignedDuration],
            ) -> Result<Option<i64>> {
                // Built from the caller's constants only: the hold for each count past the threshold.
                let last = holds.last().map_or(0, |h| h.as_millis() as i64);
                let arms: String = holds
                    .iter()
                    .enumerate()
                    .map(|(over, h)| format!(" WHEN {over} THEN {}", h.as_millis() as i64))
                    .collect();
                let count = "(CASE WHEN attempts.window_start >= $3 THEN attempts.failures + 1 ELSE 1 END)";
                let statement = format!(
                    "INSERT INTO attempts (key, failures, window_start, blocked_until) VALUES ($1, 1, $2, $5)
                     ON CONFLICT (key) DO UPDATE SET
                       failures = {count},
                       window_start = CASE WHEN attempts.window_start >= $3 THEN attempts.window_start ELSE $2 END,
                       blocked_until = CASE WHEN {count} >= $4
                         THEN $2 + (CASE {count} - $4{arms} ELSE {last} END) ELSE 0 END
                     WHERE attempts.blocked_until <= $2
                     RETURNING failures"
                );
                let first_hold = if threshold <= 1 { to_millis(now) + holds.first().map_or(0, |h| h.as_millis() as i64) } else { 0 };
                let counted: Option<i64> = sqlx::query_scalar(&statement)
                    .bind(key)
                    .bind(to_millis(now))
                    .bind(to_millis(window_start))
                    .bind(threshold)
                    .bind(first_hold)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(counted)
            }

            async fn attempts_cleared(&self, key: &[u8]) -> Result<()> {
                sqlx::query("DELETE FROM attempts WHERE key = $1").bind(key).execute(&self.pool).await?;
                Ok(())
            }

            async fn add_passkey(&self, p: &PasskeyRow) -> Result<()> {
                sqlx::query(&format!("INSERT INTO passkeys ({PASSKEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(p.id.to_string())
                    .bind(p.user_id.to_string())
                    .bind(&p.credential_id)
                    .bind(&p.name)
                    .bind(&p.passkey)
                    .bind(&p.wrapped_key)
                    .bind(to_millis(p.created_at))
                    .bind(p.last_used_at.map(to_millis))
                    .execute(&self.pool)
                    .await
                    .map_err(conflict(Conflict::Passkey))?;
                Ok(())
            }

            async fn passkeys(&self, user: Uuid) -> Result<Vec<PasskeyRow>> {
                sqlx::query(&format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at"))
                    .bind(user.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::passkey_row)
                    .collect()
            }

            async fn passkey_used(&self, id: Uuid, passkey: &str, at: Timestamp) -> Result<()> {
                sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
                    .bind(passkey)
                    .bind(to_millis(at))
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn remove_passkey(&self, user: Uuid, id: Uuid) -> Result<bool> {
                let removed = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
                    .bind(id.to_string())
                    .bind(user.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(removed.rows_affected() == 1)
            }

            async fn put_webauthn_state(&self, st: &WebauthnStateRow) -> Result<()> {
                sqlx::query("DELETE FROM webauthn_states WHERE expires_at < $1")
                    .bind(to_millis(st.expires_at) - 3_600_000)
                    .execute(&self.pool)
                    .await?;
                sqlx::query(
                    "INSERT INTO webauthn_states (id, user_id, purpose, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(st.id.to_string())
                .bind(st.user_id.map(|u| u.to_string()))
                .bind(&st.purpose)
                .bind(&st.state)
                .bind(to_millis(st.expires_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn take_webauthn_state(&self, id: Uuid, purpose: &str, now: Timestamp) -> Result<Option<WebauthnStateRow>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(Option<String>, String, i64)> = sqlx::query_as(
                    "SELECT user_id, state, expires_at FROM webauthn_states WHERE id = $1 AND purpose = $2",
                )
                .bind(id.to_string())
                .bind(purpose)
                .fetch_optional(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM webauthn_states WHERE id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                tx.commit().await?;
                let Some((user, state, expires_at)) = row else { return Ok(None) };
                let expires_at = from_millis(expires_at)?;
                if expires_at < now {
                    return Ok(None);
                }
                let user_id = user.as_deref().map(uuid).transpose()?;
                Ok(Some(WebauthnStateRow { id, user_id, purpose: purpose.to_owned(), state, expires_at }))
            }

            async fn complete_session(&self, id_hash: &[u8]) -> Result<()> {
                sqlx::query("UPDATE sessions SET pending_second_factor = $1 WHERE id_hash = $2")
                    .bind(false)
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn user_sessions(&self, user: Uuid) -> Result<Vec<SessionRow>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND pending_second_factor = $2 ORDER BY last_seen_at DESC"
                ))
                .bind(user.to_string())
                .bind(false)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::session_row)
                .collect()
            }

            async fn set_user_totp(&self, user: Uuid, secret: Option<&[u8]>) -> Result<()> {
                sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = 0 WHERE id = $2")
                    .bind(secret)
                    .bind(user.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn use_totp_step(&self, user: Uuid, step: i64) -> Result<bool> {
                let used = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
                    .bind(step)
                    .bind(user.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(used.rows_affected() == 1)
            }

            async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>> {
                sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1"))
                    .bind(id_hash)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::session_row)
                    .transpose()
            }

            async fn touch_session(&self, id_hash: &[u8], now: Timestamp) -> Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(to_millis(now))
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_user_sessions(&self, user: Uuid, keep: Option<&[u8]>) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
                    .bind(user.to_string())
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_stale_sessions(&self, idle_before: Timestamp, now: Timestamp) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR expires_at < $2")
                    .bind(to_millis(idle_before))
                    .bind(to_millis(now))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn setting(&self, name: &str) -> Result<Option<String>> {
                Ok(sqlx::query("SELECT value FROM settings WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?)
            }

            async fn set_setting(&self, name: &str, value: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(name)
                .bind(value)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn create_case(&self, case: &CaseRow, key: &CaseKeyRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("INSERT INTO cases (id, owner_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(case.id.to_string())
                    .bind(case.owner_id.to_string())
                    .bind(&case.title)
                    .bind(to_millis(case.created_at))
                    .bind(to_millis(case.updated_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict(Conflict::Case))?;
                Self::put_case_key(&mut tx, key).await?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn cases_for_user(&self, user: Uuid) -> Result<Vec<(CaseRow, CaseKeyRow)>> {
                sqlx::query(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases c JOIN case_keys k ON k.case_id = c.id
                     WHERE k.user_id = $1 ORDER BY c.updated_at DESC"
                ))
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::case_row)
                .collect()
            }

            async fn case_for_user(&self, case: Uuid, user: Uuid) -> Result<Option<(CaseRow, CaseKeyRow)>> {
                sqlx::query(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases c JOIN case_keys k ON k.case_id = c.id
                     WHERE c.id = $1 AND k.user_id = $2"
                ))
                .bind(case.to_string())
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(Self::case_row)
                .transpose()
            }

            async fn case_keys(&self, case: Uuid) -> Result<Vec<CaseKeyRow>> {
                sqlx::query("SELECT case_id, user_id, wrapped_key, access FROM case_keys WHERE case_id = $1")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(CaseKeyRow {
                            case_id: uuid(&r.try_get::<String, _>(0)?)?,
                            user_id: uuid(&r.try_get::<String, _>(1)?)?,
                            wrapped_key: r.try_get(2)?,
                            access: r.try_get(3)?,
                        })
                    })
                    .collect()
            }

            async fn grant_case_key(&self, key: &CaseKeyRow, record: &RecordRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::put_case_key(&mut tx, key).await?;
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn rekey_case(
                &self,
                case: Uuid,
                keys: &[CaseKeyRow],
                public_key: &[u8],
                record: &RecordRow,
                leaf: &LeafRow,
            ) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM case_keys WHERE case_id = $1").bind(case.to_string()).execute(&mut *tx).await?;
                for key in keys {
                    Self::put_case_key(&mut tx, key).await?;
                }
                sqlx::query("UPDATE shares SET case_public_key = $1 WHERE case_id = $2")
                    .bind(public_key)
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE inbox_links SET public_key = $1 WHERE case_id = $2 AND revoked_at IS NULL")
                    .bind(public_key)
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?;
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_share(&self, share: &ShareRow, record: &RecordRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                let (salt, kdf) = share.passphrase.clone().unzip();
                let (content, made) = share.content.clone().unzip();
                sqlx::query(&format!(
                    "INSERT INTO shares ({SHARE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(share.id.to_string())
                .bind(share.case_id.to_string())
                .bind(&share.token_hash)
                .bind(&share.wrapped_key)
                .bind(&share.content_key)
                .bind(&share.case_public_key)
                .bind(salt)
                .bind(kdf)
                .bind(content)
                .bind(made.map(to_millis))
                .bind(to_millis(share.created_at))
                .bind(to_millis(share.expires_at))
                .execute(&mut *tx)
                .await
                .map_err(conflict(Conflict::Share))?;
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_share(&self, case: Uuid, id: Uuid, record: &RecordRow, leaf: &LeafRow) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let deleted = sqlx::query("DELETE FROM shares WHERE id = $1 AND case_id = $2")
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?;
                if deleted.rows_affected() != 1 {
                    return Ok(false);
                }
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn share(&self, case: Uuid, id: Uuid) -> Result<Option<ShareRow>> {
                sqlx::query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = $1 AND case_id = $2"))
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::share_row)
                    .transpose()
            }

            async fn set_share_content(&self, id: Uuid, folder: &str, made_at: Timestamp) -> Result<bool> {
                let done = sqlx::query("UPDATE shares SET content = $1, content_made_at = $2 WHERE id = $3")
                    .bind(folder)
                    .bind(to_millis(made_at))
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn expired_shares(&self, now: Timestamp) -> Result<Vec<(Uuid, Uuid)>> {
                sqlx::query("SELECT case_id, id FROM shares WHERE expires_at <= $1")
                    .bind(to_millis(now))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| Ok((uuid(&r.try_get::<String, _>(0)?)?, uuid(&r.try_get::<String, _>(1)?)?)))
                    .collect()
            }

            async fn delete_share(&self, id: Uuid) -> Result<bool> {
                let done = sqlx::query("DELETE FROM shares WHERE id = $1").bind(id.to_string()).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn add_share_access(&self, access: &ShareAccessRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&format!("INSERT INTO share_accesses ({SHARE_ACCESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"))
                    .bind(access.id.to_string())
                    .bind(access.case_id.to_string())
                    .bind(access.share_id.to_string())
                    .bind(to_millis(access.at))
                    .bind(&access.body)
                    .execute(&mut *tx)
                    .await?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn share_accesses(&self, case: Uuid) -> Result<Vec<ShareAccessRow>> {
                sqlx::query(&format!("SELECT {SHARE_ACCESS_COLUMNS} FROM share_accesses WHERE case_id = $1 ORDER BY at"))
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::share_access_row)
                    .collect()
            }

            async fn create_inbox_link(&self, link: &InboxLinkRow, record: &RecordRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&format!("INSERT INTO inbox_links ({INBOX_LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(link.id.to_string())
                    .bind(link.case_id.to_string())
                    .bind(&link.token_hash)
                    .bind(&link.public_key)
                    .bind(to_millis(link.created_at))
                    .bind(link.revoked_at.map(to_millis))
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict(Conflict::InboxLink))?;
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_inbox_link(&self, case: Uuid, id: Uuid, record: &RecordRow, leaf: &LeafRow) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let revoked = sqlx::query(
                    "UPDATE inbox_links SET revoked_at = $1 WHERE id = $2 AND case_id = $3 AND revoked_at IS NULL",
                )
                .bind(to_millis(record.created_at))
                .bind(id.to_string())
                .bind(case.to_string())
                .execute(&mut *tx)
                .await?;
                if revoked.rows_affected() != 1 {
                    return Ok(false);
                }
                Self::put_record(&mut tx, record, leaf).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn inbox_link_by_token(&self, token_hash: &[u8]) -> Result<Option<InboxLinkRow>> {
                sqlx::query(&format!("SELECT {INBOX_LINK_COLUMNS} FROM inbox_links WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::inbox_link_row)
                    .transpose()
            }

            async fn inbox_links(&self, case: Uuid) -> Result<Vec<InboxLinkRow>> {
                sqlx::query(&format!(
                    "SELECT {INBOX_LINK_COLUMNS} FROM inbox_links WHERE case_id = $1 ORDER BY created_at DESC"
                ))
                .bind(case.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::inbox_link_row)
                .collect()
            }

            async fn add_submission(&self, sub: &SubmissionRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&format!("INSERT INTO inbox ({SUBMISSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(sub.id.to_string())
                    .bind(sub.case_id.to_string())
                    .bind(sub.link_id.to_string())
                    .bind(to_millis(sub.received_at))
                    .bind(&sub.body)
                    .bind(&sub.file_keys)
                    .execute(&mut *tx)
                    .await?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn submissions(&self, case: Uuid) -> Result<Vec<SubmissionRow>> {
                sqlx::query(&format!("SELECT {SUBMISSION_COLUMNS} FROM inbox WHERE case_id = $1 ORDER BY received_at"))
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::submission_row)
                    .collect()
            }

            async fn remove_submission(&self, case: Uuid, id: Uuid, leaf: &LeafRow) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let removed = sqlx::query("DELETE FROM inbox WHERE id = $1 AND case_id = $2")
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?;
                if removed.rows_affected() != 1 {
                    return Ok(false);
                }
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn share_by_token(&self, token_hash: &[u8]) -> Result<Option<ShareRow>> {
                sqlx::query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::share_row)
                    .transpose()
            }

            async fn shares(&self, case: Uuid) -> Result<Vec<ShareRow>> {
                sqlx::query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE case_id = $1 ORDER BY created_at DESC"))
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::share_row)
                    .collect()
            }

            async fn add_feedback(&self, f: &FeedbackRow) -> Result<()> {
                sqlx::query("INSERT INTO feedback (id, received_on, body) VALUES ($1, $2, $3)")
                    .bind(f.id.to_string())
                    .bind(&f.received_on)
                    .bind(&f.body)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn update_feedback(&self, id: Uuid, body: &[u8]) -> Result<()> {
                sqlx::query("UPDATE feedback SET body = $1 WHERE id = $2")
                    .bind(body)
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn start_voice_key(&self, name: &str, public: &str, holders: &[(Uuid, Vec<u8>)]) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let started = sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(public)
                    .execute(&mut *tx)
                    .await?;
                if started.rows_affected() != 1 {
                    return Ok(false);
                }
                for (user, sealed) in holders {
                    sqlx::query("INSERT INTO voice_keys (user_id, sealed_key) VALUES ($1, $2)")
                        .bind(user.to_string())
                        .bind(sealed)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn voice_key(&self, user: Uuid) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar("SELECT sealed_key FROM voice_keys WHERE user_id = $1")
                    .bind(user.to_string())
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn add_voice_key(&self, user: Uuid, sealed: &[u8]) -> Result<()> {
                sqlx::query("INSERT INTO voice_keys (user_id, sealed_key) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING")
                    .bind(user.to_string())
                    .bind(sealed)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn staff_without_voice_key(&self) -> Result<Vec<(Uuid, Vec<u8>)>> {
                sqlx::query(
                    "SELECT u.id, u.public_key FROM users u LEFT JOIN voice_keys v ON v.user_id = u.id
                     WHERE u.role IN ('administrator', 'support_worker') AND NOT u.disabled
                       AND u.public_key IS NOT NULL AND v.user_id IS NULL",
                )
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((uuid(&r.try_get::<String, _>(0)?)?, r.try_get(1)?)))
                .collect()
            }

            async fn feedback(&self) -> Result<Vec<FeedbackRow>> {
                sqlx::query("SELECT id, received_on, body FROM feedback ORDER BY received_on DESC, id")
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(FeedbackRow {
                            id: uuid(&r.try_get::<String, _>(0)?)?,
                            received_on: r.try_get(1)?,
                            body: r.try_get(2)?,
                        })
                    })
                    .collect()
            }

            async fn shred_case(&self, case: Uuid) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                for table in ["case_keys", "shares", "jobs", "inbox_links", "inbox"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE case_id = $1"))
                        .bind(case.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn shred_account(&self, user: Uuid, noise: &[u8]) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE users SET key_by_password = $1, key_by_recovery = $1, public_key = NULL, reminder_email = NULL,
                     totp_secret = NULL, disabled = $2 WHERE id = $3",
                )
                .bind(noise)
                .bind(true)
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
                for table in ["sessions", "passkeys", "webauthn_states", "case_keys"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                        .bind(user.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn reclaim(&self) -> Result<()> {
                Self::reclaim(self).await
            }

            async fn update_case_title(&self, case: Uuid, title: &[u8], now: Timestamp, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE cases SET title = $1, updated_at = $2 WHERE id = $3")
                    .bind(title)
                    .bind(to_millis(now))
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_record(&self, r: &RecordRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::put_record(&mut tx, r, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_batch(&self, mut batch: tokio::sync::mpsc::Receiver<Batched>) -> Result<u64> {
                let mut tx = self.pool.begin().await?;
                let mut written = 0;
                while let Some(step) = batch.recv().await {
                    let (r, leaf) = match step {
                        Batched::Record(r, leaf) => (r, leaf),
                        Batched::Commit => {
                            tx.commit().await?;
                            return Ok(written);
                        }
                    };
                    Self::put_record(&mut tx, &r, &leaf).await?;
                    written += 1;
                }
                Ok(0)
            }

            async fn records(&self, case: Uuid, kind: &str) -> Result<Vec<RecordRow>> {
                sqlx::query(&format!(
                    "SELECT {RECORD_READ} FROM records r WHERE case_id = $1 AND kind = $2
                     AND version = (SELECT MAX(version) FROM records r2 WHERE r2.id = r.id)"
                ))
                .bind(case.to_string())
                .bind(kind)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::record_row)
                .collect()
            }

            async fn record_versions(&self, case: Uuid, id: Uuid) -> Result<Vec<RecordRow>> {
                sqlx::query(&format!(
                    "SELECT {RECORD_READ} FROM records r WHERE case_id = $1 AND id = $2 ORDER BY version"
                ))
                .bind(case.to_string())
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::record_row)
                .collect()
            }

            async fn erase_record(&self, t: &RecordRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                let erased = sqlx::query("UPDATE records SET fields = $1 WHERE case_id = $2 AND id = $3")
                    .bind(Vec::<u8>::new())
                    .bind(t.case_id.to_string())
                    .bind(t.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if erased.rows_affected() == 0 {
                    return Err(StoreError::Corrupt("no such record to erase".into()));
                }
                sqlx::query(&format!("INSERT INTO records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(t.case_id.to_string())
                    .bind(t.id.to_string())
                    .bind(t.version)
                    .bind(&t.kind)
                    .bind(to_millis(t.created_at))
                    .bind(t.author_id.to_string())
                    .bind(true)
                    .bind(&t.fields)
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict(Conflict::Version))?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn append_leaf(&self, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::put_leaf(&mut tx, leaf).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn ledger_size(&self, case: Uuid) -> Result<i64> {
                // Leaves are numbered from 0 without gaps, so the next place is the largest + 1,
                // which the primary key finds without counting.
                Ok(sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves WHERE case_id = $1")
                    .bind(case.to_string())
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?)
            }

            async fn ledger_hashes(&self, case: Uuid, indexes: &[i64]) -> Result<Vec<[u8; 32]>> {
                if indexes.is_empty() {
                    return Ok(Vec::new());
                }
                let placeholders: Vec<String> = (0..indexes.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT idx, hash FROM ledger_hashes WHERE case_id = $1 AND idx IN ({})",
                    placeholders.join(", ")
                );
                let mut query = sqlx::query(&sql).bind(case.to_string());
                for i in indexes {
                    query = query.bind(*i);
                }
                let mut found = std::collections::HashMap::new();
                for r in query.fetch_all(&self.pool).await? {
                    let hash: Vec<u8> = r.try_get("hash")?;
                    let hash: [u8; 32] =
                        hash.try_into().map_err(|_| StoreError::Corrupt("a ledger hash is not 32 bytes".into()))?;
                    found.insert(r.try_get::<i64, _>("idx")?, hash);
                }
                indexes
                    .iter()
                    .map(|i| found.get(i).copied().ok_or_else(|| StoreError::Corrupt("a ledger hash is missing".into())))
                    .collect()
            }

            async fn ledger_leaves(&self, case: Uuid) -> Result<Vec<LeafRow>> {
                self.ledger_leaves_from(case, 0).await
            }

            async fn ledger_leaves_from(&self, case: Uuid, from: i64) -> Result<Vec<LeafRow>> {
                sqlx::query(
                    "SELECT case_id, idx, created_at, commitment, opening FROM ledger_leaves
                     WHERE case_id = $1 AND idx >= $2 ORDER BY idx",
                )
                .bind(case.to_string())
                .bind(from)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::leaf_row)
                .collect()
            }

            async fn insert_checkpoint(&self, c: &CheckpointRow) -> Result<()> {
                sqlx::query(
                    &format!("INSERT INTO ledger_checkpoints ({CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, size) DO NOTHING"),
                )
                .bind(c.case_id.to_string())
                .bind(c.size)
                .bind(&c.note)
                .bind(to_millis(c.created_at))
                .bind(&c.timestamp_token)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn checkpoint(&self, case: Uuid, size: i64) -> Result<Option<CheckpointRow>> {
                sqlx::query(&format!("SELECT {CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE case_id = $1 AND size = $2"))
                .bind(case.to_string())
                .bind(size)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(Self::checkpoint_row)
                .transpose()
            }

            async fn create_job(&self, j: &JobRow) -> Result<()> {
                sqlx::query(&format!(
                    "INSERT INTO jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ))
                .bind(j.id.to_string())
                .bind(j.case_id.to_string())
                .bind(j.user_id.to_string())
                .bind(&j.kind)
                .bind(&j.state)
                .bind(&j.payload)
                .bind(j.done)
                .bind(j.total)
                .bind(j.attempts)
                .bind(to_millis(j.run_after))
                .bind(&j.lease_owner)
                .bind(to_millis(j.lease_until))
                .bind(&j.error)
                .bind(to_millis(j.created_at))
                .bind(to_millis(j.updated_at))
                .execute(&self.pool)
                .await
                .map_err(conflict(Conflict::Job))?;
                Ok(())
            }

            async fn job(&self, case: Uuid, id: Uuid) -> Result<Option<JobRow>> {
                sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE case_id = $1 AND id = $2"))
                    .bind(case.to_string())
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::job_row)
                    .transpose()
            }

            async fn jobs(&self, case: Uuid, kind: &str) -> Result<Vec<JobRow>> {
                sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE case_id = $1 AND kind = $2 ORDER BY created_at DESC, id"
                ))
                .bind(case.to_string())
                .bind(kind)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::job_row)
                .collect()
            }

            async fn has_due_jobs(&self, case: Uuid, now: Timestamp) -> Result<bool> {
                Ok(sqlx::query(
                    "SELECT EXISTS (SELECT 1 FROM jobs WHERE case_id = $1 AND state IN ('queued', 'running')
                     AND run_after <= $2)",
                )
                .bind(case.to_string())
                .bind(to_millis(now))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?)
            }

            async fn unfinished_jobs(&self, case: Uuid) -> Result<Vec<JobRow>> {
                sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE case_id = $1 AND state IN ('queued', 'running')
                     ORDER BY created_at, id"
                ))
                .bind(case.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::job_row)
                .collect()
            }

            async fn claim_job(&self, id: Uuid, owner: &str, lease_until: Timestamp, now: Timestamp) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
                     updated_at = $3
                     WHERE id = $4 AND state IN ('queued', 'running') AND run_after <= $3 AND lease_until < $3",
                )
                .bind(owner)
                .bind(to_millis(lease_until))
                .bind(to_millis(now))
                .bind(id.to_string())
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn job_progress(
                &self,
                id: Uuid,
                owner: &str,
                done: i64,
                payload: Option<&[u8]>,
                lease_until: Timestamp,
                now: Timestamp,
            ) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE jobs SET done = $1, payload = COALESCE($2, payload), lease_until = $3, updated_at = $4
                     WHERE id = $5 AND state = 'running' AND lease_owner = $6",
                )
                .bind(done)
                .bind(payload)
                .bind(to_millis(lease_until))
                .bind(to_millis(now))
                .bind(id.to_string())
                .bind(owner)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn release_job(
                &self,
                id: Uuid,
                owner: &str,
                state: &str,
                error: &str,
                run_after: Timestamp,
                now: Timestamp,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE jobs SET state = $1, error = $2, run_after = $3, lease_owner = '', lease_until = 0,
                     updated_at = $4
                     WHERE id = $5 AND state = 'running' AND lease_owner = $6",
                )
                .bind(state)
                .bind(error)
                .bind(to_millis(run_after))
                .bind(to_millis(now))
                .bind(id.to_string())
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn cancel_job(&self, case: Uuid, id: Uuid, now: Timestamp) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE jobs SET state = 'cancelled', lease_owner = '', lease_until = 0, updated_at = $1
                     WHERE case_id = $2 AND id = $3 AND state IN ('queued', 'running')",
                )
                .bind(to_millis(now))
                .bind(case.to_string())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn due_jobs(&self, kind: &str, now: Timestamp) -> Result<Vec<JobRow>> {
                sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')
                     AND run_after <= $2 AND lease_until < $2 ORDER BY run_after, id LIMIT 100"
                ))
                .bind(kind)
                .bind(to_millis(now))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::job_row)
                .collect()
            }

            async fn delete_ended_jobs(&self, before: Timestamp, keep_kind: &str) -> Result<u64> {
                Ok(sqlx::query(
                    "DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND updated_at < $1
                     AND NOT (kind = $2 AND state = 'done')",
                )
                .bind(to_millis(before))
                .bind(keep_kind)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn job_counts(&self) -> Result<Vec<(String, String, i64)>> {
                sqlx::query("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state")
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("kind")?, r.try_get("state")?, r.try_get("n")?)))
                    .collect()
            }

            async fn set_reminder_email(&self, user: Uuid, sealed: Option<&[u8]>) -> Result<()> {
                sqlx::query("UPDATE users SET reminder_email = $1 WHERE id = $2")
                    .bind(sealed)
                    .bind(user.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn reminder_email(&self, user: Uuid) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query("SELECT reminder_email FROM users WHERE id = $1")
                    .bind(user.to_string())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get("reminder_email"))
                    .transpose()?
                    .flatten())
            }

            async fn delete_job(&self, case: Uuid, id: Uuid) -> Result<bool> {
                Ok(sqlx::query("DELETE FROM jobs WHERE case_id = $1 AND id = $2")
                    .bind(case.to_string())
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn case_ids(&self) -> Result<Vec<Uuid>> {
                sqlx::query("SELECT id FROM cases ORDER BY created_at, id")
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| uuid(&r.try_get::<String, _>(0)?))
                    .collect()
            }

            async fn export_rows(&self, out: tokio::sync::mpsc::Sender<CopiedRow>) -> Result<u64> {
                use futures_util::TryStreamExt;
                let mut tx = self.pool.begin().await?;
                if $name == "postgres" {
                    // One snapshot for every table. (SQLite's read transaction is one already.)
                    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
                }
                let mut sent = 0;
                for (table, cols) in TABLES {
                    let names = cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
                    let sql = format!("SELECT {names} FROM {table}");
                    let mut rows = sqlx::query(&sql).fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        let values = cols
                            .iter()
                            .enumerate()
                            .map(|(i, (_, kind))| Self::copied_value(&row, i, *kind))
                            .collect::<Result<Vec<_>>>()?;
                        if out.send(CopiedRow { table: (*table).to_owned(), values }).await.is_err() {
                            return Err(StoreError::Corrupt("the copy was stopped".into()));
                        }
                        sent += 1;
                    }
                }
                tx.commit().await?;
                Ok(sent)
            }

            async fn import_rows(&self, mut rows: tokio::sync::mpsc::Receiver<Option<CopiedRow>>) -> Result<u64> {
                let mut tx = self.pool.begin().await?;
                let users: i64 = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?.try_get(0)?;
                if users > 0 {
                    return Err(StoreError::Conflict(Conflict::AccountsExist));
                }
                // What the new database made at its first start gives way to the copy.
                sqlx::query("DELETE FROM settings").execute(&mut *tx).await?;
                let mut written = 0;
                while let Some(next) = rows.recv().await {
                    let Some(row) = next else {
                        tx.commit().await?;
                        return Ok(written);
                    };
                    let cols = columns(&row.table)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown table {}", row.table)))?;
                    if cols.len() != row.values.len() {
                        return Err(StoreError::Corrupt(format!("a row of {} has the wrong columns", row.table)));
                    }
                    let names = cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
                    let marks = (1..=cols.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!("INSERT INTO {} ({names}) VALUES ({marks})", row.table);
                    let mut query = sqlx::query(&sql);
                    for ((name, kind), value) in cols.iter().zip(row.values) {
                        let wrong = || StoreError::Corrupt(format!("{}.{name} has the wrong type", row.table));
                        let bytes = |v: &str| data_encoding::BASE64.decode(v.as_bytes()).map_err(|_| wrong());
                        query = match (kind, value) {
                            (Column::Text | Column::NullableText, Value::Text(t)) => query.bind(t),
                            (Column::Int | Column::NullableInt, Value::Int(n)) => query.bind(n),
                            (Column::Bool, Value::Bool(b)) => query.bind(b),
                            (Column::Bytes | Column::NullableBytes, Value::Text(t)) => query.bind(bytes(&t)?),
                            (Column::NullableText, Value::Null) => query.bind(None::<String>),
                            (Column::NullableInt, Value::Null) => query.bind(None::<i64>),
                            (Column::NullableBytes, Value::Null) => query.bind(None::<Vec<u8>>),
                            _ => return Err(wrong()),
                        };
                    }
                    query.execute(&mut *tx).await?;
                    written += 1;
                }
                Err(StoreError::Corrupt("the copy ended before it was complete".into()))
            }

            async fn checkpoints(&self, case: Uuid) -> Result<Vec<CheckpointRow>> {
                sqlx::query(&format!("SELECT {CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE case_id = $1 ORDER BY size"))
                .bind(case.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(Self::checkpoint_row)
                .collect()
            }
        }
    };
}

store_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite");
store_impl!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres");
