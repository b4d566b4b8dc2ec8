//! Your Voice: anonymous feedback sealed to staff, and the staff keys it is sealed to.

macro_rules! voice_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Voice for $store {
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
                let started =
                    sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
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
                sqlx::query(
                    "INSERT INTO voice_keys (user_id, sealed_key) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
                )
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
                    .map(row)
                    .collect()
            }
        }
    };
}
