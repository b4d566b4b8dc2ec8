//! Each case's log: its leaves, tree hashes and signed checkpoints.

macro_rules! ledger_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Ledger for $store {
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
                .map(row)
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
                .map(row)
                .transpose()
            }

            async fn checkpoints(&self, case: Uuid) -> Result<Vec<CheckpointRow>> {
                sqlx::query(&format!("SELECT {CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE case_id = $1 ORDER BY size"))
                .bind(case.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(row)
                .collect()
            }
        }
    };
}
