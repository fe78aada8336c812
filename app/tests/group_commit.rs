//! SQLite's group commit (`db::batch`): writes arriving together share a transaction, each
//! caller gets its own result, a failing write takes no other with it, and nobody is answered
//! before the write is committed.

use app::db::Db;
use app::db::batch::WriteBatch;
use app::dev::scratch::ScratchDb;
use sqlx::SqlitePool;

async fn scratch() -> (ScratchDb, SqlitePool, SqlitePool, WriteBatch) {
    let scratch = ScratchDb::sqlite().await.expect("a scratch SQLite file");
    let Db::Sqlite {
        reader,
        writer,
        batch,
    } = &scratch.db
    else {
        panic!("SQLite expected")
    };
    sqlx::query("CREATE TABLE batched (value INTEGER NOT NULL UNIQUE)")
        .execute(writer)
        .await
        .expect("a table");
    let (reader, writer, batch) = (reader.clone(), writer.clone(), batch.clone());
    (scratch, reader, writer, batch)
}

/// Inserts `value` through the batch; the row's id back.
async fn insert(batch: &WriteBatch, value: i64) -> Result<i64, sqlx::Error> {
    batch
        .run(move |conn| {
            Box::pin(async move {
                sqlx::query_scalar("INSERT INTO batched (value) VALUES ($1) RETURNING rowid")
                    .bind(value)
                    .fetch_one(conn)
                    .await
            })
        })
        .await
}

async fn stored(reader: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT value FROM batched ORDER BY value")
        .fetch_all(reader)
        .await
        .expect("read back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_queued_together_commit_in_one_transaction_each_with_its_own_answer() {
    let (_scratch, reader, writer, batch) = scratch().await;
    // Hold the writer so that every write queues behind it.
    let held = writer.acquire().await.expect("the writer");
    let (writes_before, transactions_before) = batch.committed();
    let mut waiting = tokio::task::JoinSet::new();
    for value in 0..100 {
        let batch = batch.clone();
        let reader = reader.clone();
        waiting.spawn(async move {
            let id = insert(&batch, value).await;
            // Answered means committed: another connection sees the row at once.
            let seen: Option<i64> =
                sqlx::query_scalar("SELECT value FROM batched WHERE value = $1")
                    .bind(value)
                    .fetch_optional(&reader)
                    .await
                    .expect("read");
            (value, id, seen)
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        stored(&reader).await.is_empty(),
        "nothing runs while the writer is held"
    );
    drop(held);
    let mut ids = Vec::new();
    for (value, id, seen) in waiting.join_all().await {
        ids.push(id.unwrap_or_else(|e| panic!("write {value} failed: {e}")));
        assert_eq!(seen, Some(value), "answered before its commit was visible");
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100, "each caller got its own row's id");
    assert_eq!(stored(&reader).await, (0..100).collect::<Vec<_>>());
    let (writes, transactions) = batch.committed();
    assert_eq!(writes - writes_before, 100);
    assert!(
        transactions - transactions_before <= 5,
        "100 queued writes took {} transactions",
        transactions - transactions_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_fails_alone_and_the_rest_of_its_batch_commits() {
    let (_scratch, reader, writer, batch) = scratch().await;
    sqlx::query("INSERT INTO batched (value) VALUES (7), (42)")
        .execute(&writer)
        .await
        .expect("rows already there");
    let held = writer.acquire().await.expect("the writer");
    let mut waiting = tokio::task::JoinSet::new();
    for value in 0..60 {
        let batch = batch.clone();
        waiting.spawn(async move { (value, insert(&batch, value).await) });
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(held);
    for (value, outcome) in waiting.join_all().await {
        match value {
            7 | 42 => {
                let error = outcome.expect_err("a duplicate is refused");
                assert!(
                    error
                        .as_database_error()
                        .is_some_and(|e| e.is_unique_violation()),
                    "{value}: the caller sees its own error, not another's: {error}"
                );
            }
            _ => {
                outcome.unwrap_or_else(|e| panic!("{value} failed with its batch: {e}"));
            }
        }
    }
    assert_eq!(stored(&reader).await, (0..60).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_alone_still_commits_and_answers() {
    let (_scratch, reader, _writer, batch) = scratch().await;
    for value in [3, 1, 2] {
        insert(&batch, value).await.expect("a write on its own");
    }
    let duplicate = insert(&batch, 2).await;
    assert!(duplicate.is_err(), "a duplicate is refused alone too");
    assert_eq!(stored(&reader).await, vec![1, 2, 3]);
    assert_eq!(batch.committed().0, 3);
}
