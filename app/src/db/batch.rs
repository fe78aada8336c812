//! Group commit for SQLite's one writer connection.
//!
//! Each SQLite commit waits for the disk (`synchronous = FULL`: the WAL is synced before the
//! commit returns). Writes submitted here while the writer is busy queue up and then run
//! together inside one transaction, so one sync covers them all; every caller still gets its
//! own result, and only once the transaction holding its write has committed.
//!
//! If any write of a batch fails, the batch is rolled back and each of its writes runs again
//! on its own, in its own transaction: a failing write never takes the others with it, and
//! each caller sees exactly the outcome it would have seen alone.

use sqlx::{SqliteConnection, SqlitePool};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The future a batched write returns: its statements, run on the batch's connection.
pub type Step<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

/// At most this many writes share one transaction.
const MOST_PER_BATCH: usize = 128;

/// A handle to the group-commit task of one SQLite writer pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct WriteBatch {
    queue: mpsc::UnboundedSender<Box<dyn Job>>,
    counts: Arc<Counts>,
}

/// How many writes committed, and in how many transactions.
#[derive(Debug, Default)]
struct Counts {
    writes: AtomicU64,
    transactions: AtomicU64,
}

impl Counts {
    fn committed(&self, writes: usize) {
        self.writes.fetch_add(writes as u64, Ordering::Relaxed);
        self.transactions.fetch_add(1, Ordering::Relaxed);
    }
}

impl WriteBatch {
    /// Starts the task that runs queued writes on `writer`. It ends when every handle is
    /// dropped.
    pub fn start(writer: SqlitePool) -> WriteBatch {
        let (queue, waiting) = mpsc::unbounded_channel();
        let counts = Arc::new(Counts::default());
        tokio::spawn(run_batches(writer, waiting, counts.clone()));
        WriteBatch { queue, counts }
    }

    /// How many writes have committed through this writer so far, and in how many
    /// transactions (fewer when writes arrived together).
    pub fn committed(&self) -> (u64, u64) {
        (
            self.counts.writes.load(Ordering::Relaxed),
            self.counts.transactions.load(Ordering::Relaxed),
        )
    }

    /// Runs `write` on the writer connection, inside a transaction shared with the writes
    /// queued beside it, and answers once that transaction committed. `write` may run more
    /// than once (a batch rolled back for another write's failure runs it again alone), so it
    /// must build its statements afresh each time, and must not commit or roll back itself.
    /// Never call it while holding the writer connection (inside a write transaction): the
    /// batch waits for that connection.
    pub async fn run<T, F>(&self, write: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnMut(&'c mut SqliteConnection) -> Step<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Pending {
            write,
            outcome: None,
            reply,
        };
        self.queue
            .send(Box::new(job))
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

/// A queued write, its type erased.
trait Job: Send {
    /// Runs the write on `conn`, keeping its outcome; whether it succeeded.
    fn run<'c>(
        &'c mut self,
        conn: &'c mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'c>>;
    /// Tells the caller: its kept outcome if the transaction committed, else `failed`.
    fn answer(self: Box<Self>, failed: Option<sqlx::Error>);
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

struct Pending<T, F> {
    write: F,
    outcome: Option<Result<T, sqlx::Error>>,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: for<'c> FnMut(&'c mut SqliteConnection) -> Step<'c, T> + Send + 'static,
{
    fn run<'c>(
        &'c mut self,
        conn: &'c mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'c>> {
        Box::pin(async move {
            let outcome = (self.write)(conn).await;
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn answer(self: Box<Self>, failed: Option<sqlx::Error>) {
        let answer = match (failed, self.outcome) {
            (Some(error), _) => Err(error),
            (None, Some(outcome)) => outcome,
            (None, None) => Err(sqlx::Error::WorkerCrashed),
        };
        // A caller that stopped waiting (its request was dropped) needs no answer.
        let _ = self.reply.send(answer);
    }
}

async fn run_batches(
    writer: SqlitePool,
    mut waiting: mpsc::UnboundedReceiver<Box<dyn Job>>,
    counts: Arc<Counts>,
) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MOST_PER_BATCH);
    while waiting.recv_many(&mut batch, MOST_PER_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        // A write on its own, or the writes of a batch that did not commit, one at a time.
        let alone = match jobs.len() {
            1 => jobs,
            _ => run_together(&writer, jobs, &counts)
                .await
                .err()
                .unwrap_or_default(),
        };
        for job in alone {
            run_alone(&writer, job, &counts).await;
        }
    }
}

/// Runs every job in one transaction and answers them all once it committed. `Err`: nothing
/// was committed; the jobs are handed back to run alone.
async fn run_together(
    writer: &SqlitePool,
    mut jobs: Vec<Box<dyn Job>>,
    counts: &Counts,
) -> Result<(), Vec<Box<dyn Job>>> {
    let Ok(mut tx) = writer.begin_with("BEGIN IMMEDIATE").await else {
        return Err(jobs);
    };
    for job in jobs.iter_mut() {
        if !job.run(&mut tx).await {
            let _ = tx.rollback().await;
            return Err(jobs);
        }
    }
    if tx.commit().await.is_err() {
        return Err(jobs);
    }
    counts.committed(jobs.len());
    for job in jobs {
        job.answer(None);
    }
    Ok(())
}

/// Runs one job in its own transaction and answers it.
async fn run_alone(writer: &SqlitePool, mut job: Box<dyn Job>, counts: &Counts) {
    let mut tx = match writer.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(error) => return job.answer(Some(error)),
    };
    if job.run(&mut tx).await {
        match tx.commit().await {
            Ok(()) => {
                counts.committed(1);
                job.answer(None)
            }
            Err(error) => job.answer(Some(error)),
        }
    } else {
        let _ = tx.rollback().await;
        job.answer(None);
    }
}
