//! Cases: who holds their keys, their sealed records, and shredding.

macro_rules! cases_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Cases for $store {
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
                    .map(row)
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
                .map(row)
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
                .map(row)
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

            async fn case_ids(&self) -> Result<Vec<Uuid>> {
                sqlx::query("SELECT id FROM cases ORDER BY created_at, id")
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| uuid(&r.try_get::<String, _>(0)?))
                    .collect()
            }
        }
    };
}
