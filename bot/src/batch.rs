//! Group commit from the bot's side: many workers' small results (a
//! message settled, a send reported) travel to the API together, so the
//! API commits them in one transaction instead of one each.
use std::time::Duration;

use tokio::sync::mpsc;

/// Items waiting to be flushed together.
#[derive(Clone)]
pub struct Batcher<T> {
    sender: mpsc::Sender<T>,
}

impl<T: Send + 'static> Batcher<T> {
    /// Starts the flushing task: it takes what has arrived, waits `linger`
    /// for more (never longer), and hands at most `max` items to `flush`.
    /// `flush` is awaited before the next batch, so batches stay in order.
    pub fn start<F, Fut>(max: usize, linger: Duration, flush: F) -> Batcher<T>
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let (sender, mut receiver) = mpsc::channel::<T>(max * 4);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut items = vec![first];
                let deadline = tokio::time::Instant::now() + linger;
                while items.len() < max {
                    match tokio::time::timeout_at(deadline, receiver.recv()).await {
                        Ok(Some(item)) => items.push(item),
                        // Closed, or lingered long enough.
                        Ok(None) | Err(_) => break,
                    }
                }
                flush(items).await;
            }
        });
        Batcher { sender }
    }

    /// Queues an item; waits when the batcher is full (back-pressure).
    pub async fn push(&self, item: T) {
        // Fails only when the flushing task has ended (shutdown): the
        // item's lease then runs out and another worker redoes it.
        let _ = self.sender.send(item).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn items_arriving_together_are_flushed_together_and_in_order() {
        let seen = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let sink = seen.clone();
        let batcher = Batcher::start(3, Duration::from_millis(50), move |items| {
            let sink = sink.clone();
            async move { sink.lock().unwrap().push(items) }
        });
        for i in 0..5 {
            batcher.push(i).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        batcher.push(5).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![vec![0, 1, 2], vec![3, 4], vec![5]]
        );
    }
}
