//! Durable jobs: queued, claimed under a lease, progressed, released.

macro_rules! jobs_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Jobs for $store {
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
                    .map(row)
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
                .map(row)
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
                .map(row)
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
                .map(row)
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

            async fn delete_job(&self, case: Uuid, id: Uuid) -> Result<bool> {
                Ok(sqlx::query("DELETE FROM jobs WHERE case_id = $1 AND id = $2")
                    .bind(case.to_string())
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }
        }
    };
}
