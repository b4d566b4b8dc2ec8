//! Accounts: users, their keys and settings, invitations, and the organisation's settings.

macro_rules! accounts_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Accounts for $store {
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
                    .map(row)
                    .transpose()
            }

            async fn user(&self, id: Uuid) -> Result<Option<UserRow>> {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(row)
                    .transpose()
            }

            async fn users(&self) -> Result<Vec<UserRow>> {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(row)
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
                    "INSERT INTO invitations (token_hash, role, created_by, created_at, expires_at, label)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&inv.token_hash)
                .bind(&inv.role)
                .bind(inv.created_by.map(|u| u.to_string()))
                .bind(to_millis(inv.created_at))
                .bind(to_millis(inv.expires_at))
                .bind(&inv.label)
                .execute(&self.pool)
                .await
                .map_err(conflict(Conflict::Invitation))?;
                Ok(())
            }

            async fn invitation(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<InvitationRow>> {
                let found = sqlx::query(
                    "SELECT token_hash, role, created_by, created_at, expires_at, label FROM invitations
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(to_millis(now))
                .fetch_optional(&self.pool)
                .await?;
                found.as_ref().map(row).transpose()
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

            async fn open_invitations(&self, now: Timestamp) -> Result<Vec<InvitationRow>> {
                let rows = sqlx::query(
                    "SELECT token_hash, role, created_by, created_at, expires_at, label FROM invitations
                     WHERE created_by IS NOT NULL AND used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC",
                )
                .bind(to_millis(now))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(row).collect()
            }

            async fn withdraw_invitation(&self, token_hash: &[u8]) -> Result<bool> {
                let done = sqlx::query("DELETE FROM invitations WHERE token_hash = $1 AND used_at IS NULL")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_setup_invitations(&self) -> Result<()> {
                sqlx::query("DELETE FROM invitations WHERE created_by IS NULL AND used_at IS NULL")
                    .execute(&self.pool)
                    .await?;
                Ok(())
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
        }
    };
}
