//! What leaves a case: police links and their uses, inbox links and what arrives through them.

macro_rules! sharing_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Sharing for $store {
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
                let done =
                    sqlx::query("DELETE FROM shares WHERE id = $1").bind(id.to_string()).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn add_share_access(&self, access: &ShareAccessRow, leaf: &LeafRow) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&format!(
                    "INSERT INTO share_accesses ({SHARE_ACCESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
                ))
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
                sqlx::query(&format!(
                    "SELECT {SHARE_ACCESS_COLUMNS} FROM share_accesses WHERE case_id = $1 ORDER BY at"
                ))
                .bind(case.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(row)
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

            async fn revoke_inbox_link(
                &self,
                case: Uuid,
                id: Uuid,
                record: &RecordRow,
                leaf: &LeafRow,
            ) -> Result<bool> {
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
                    .map(row)
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
                .map(row)
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
                    .map(row)
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
        }
    };
}
