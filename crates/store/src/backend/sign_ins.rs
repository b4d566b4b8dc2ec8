//! Signing in: sessions, second factors, passkeys and their ceremonies, and the counts that hold guessing back.

macro_rules! sign_ins_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::SignIns for $store {
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
                    .map(row)
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
                .map(row)
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
                    .map(row)
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
        }
    };
}
