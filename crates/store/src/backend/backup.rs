//! Backups: every row out, and into an empty database.

macro_rules! backup_impl {
    ($store:ty, $db:ty, $row:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Backup for $store {
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
                    // A backup made before a column was added lacks it: such columns are last
                    // and nullable, and are left empty.
                    let mut row = row;
                    let added_since = cols.get(row.values.len()..).unwrap_or_default();
                    if row.values.len() > cols.len() || !added_since.iter().all(|(_, kind)| kind.nullable()) {
                        return Err(StoreError::Corrupt(format!("a row of {} has the wrong columns", row.table)));
                    }
                    row.values.resize(cols.len(), Value::Null);
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
        }
    };
}
