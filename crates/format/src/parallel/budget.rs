//! What bounds the memory of the parallel run: the budget of jobs and input bytes in
//! flight, the size at which a job is handed out, and the pool of buffers jobs reuse.
//! It holds also when lines are megabytes long (Graph pages).

use std::sync::{Condvar, Mutex};

/// A job is handed out once it holds this many bytes, or the input would block (which
/// is every read of the reader's buffer).
pub(super) const JOB_BYTES: usize = 256 << 10;

/// Free buffers the pool keeps at most.
const POOL_BUFFERS: usize = 16;

/// Input bytes in flight at most (a job is always let through when none is).
const BUDGET_BYTES: usize = 2 << 20;

/// Jobs handed out but not yet written, limited in number and input bytes; the reader
/// waits for room, the writer makes it.
pub(super) struct Budget {
    state: Mutex<InFlight>,
    changed: Condvar,
    max_jobs: usize,
}

#[derive(Default)]
struct InFlight {
    jobs: usize,
    bytes: usize,
    /// The writer has ended: nothing will be written any more.
    closed: bool,
}

impl Budget {
    pub(super) fn new(max_jobs: usize) -> Budget {
        Budget {
            state: Mutex::new(InFlight::default()),
            changed: Condvar::new(),
            max_jobs,
        }
    }

    /// Waits until a job of `bytes` fits; false once the writer has ended.
    pub(super) fn acquire(&self, bytes: usize) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        loop {
            if state.closed {
                return false;
            }
            let fits = state.jobs < self.max_jobs && state.bytes + bytes <= BUDGET_BYTES;
            if state.jobs == 0 || fits {
                state.jobs += 1;
                state.bytes += bytes;
                return true;
            }
            state = match self.changed.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
    }

    /// A job of `bytes` was written.
    pub(super) fn release(&self, bytes: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.jobs -= 1;
            state.bytes -= bytes;
        }
        self.changed.notify_all();
    }

    /// The writer has ended: a waiting reader stops.
    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.closed = true;
        }
        self.changed.notify_all();
    }
}

/// Closes the budget when the writer ends, however it ends.
pub(super) struct CloseOnDrop<'a>(pub(super) &'a Budget);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Byte buffers handed back after use, so that jobs do not allocate (and fault in) fresh
/// memory each time. It keeps a few, and none that a huge line made big.
#[derive(Default)]
pub(super) struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    /// An empty buffer, reused when one is free.
    pub(super) fn take(&self) -> Vec<u8> {
        let reused = self.0.lock().ok().and_then(|mut free| free.pop());
        reused.unwrap_or_else(|| Vec::with_capacity(JOB_BYTES))
    }

    /// Hands `buffer` back for reuse.
    pub(super) fn give(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() > 4 * JOB_BYTES {
            return;
        }
        buffer.clear();
        if let Ok(mut free) = self.0.lock()
            && free.len() < POOL_BUFFERS
        {
            free.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_limits_jobs_and_bytes_but_always_lets_one_through() {
        let budget = Budget::new(2);
        assert!(budget.acquire(BUDGET_BYTES * 3), "one job always fits");
        budget.release(BUDGET_BYTES * 3);
        assert!(budget.acquire(1));
        assert!(budget.acquire(1));
        std::thread::scope(|scope| {
            let third = scope.spawn(|| budget.acquire(1));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!third.is_finished(), "a third job waits");
            budget.release(1);
            assert!(third.join().unwrap());
        });
    }

    #[test]
    fn a_closed_budget_stops_the_reader() {
        let budget = Budget::new(1);
        assert!(budget.acquire(10));
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| budget.acquire(10));
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(CloseOnDrop(&budget));
            assert!(!waiting.join().unwrap());
        });
        assert!(!budget.acquire(1));
    }

    #[test]
    fn the_pool_keeps_buffers_but_not_huge_ones() {
        let pool = Pool::default();
        let mut buffer = pool.take();
        buffer.extend_from_slice(b"used");
        pool.give(buffer);
        let again = pool.take();
        assert!(again.is_empty() && again.capacity() >= JOB_BYTES);
        assert_eq!(pool.0.lock().unwrap().len(), 0);
        pool.give(Vec::with_capacity(8 * JOB_BYTES));
        assert_eq!(pool.0.lock().unwrap().len(), 0, "a huge buffer is not kept");
        for _ in 0..2 * POOL_BUFFERS {
            pool.give(Vec::with_capacity(16));
        }
        assert_eq!(pool.0.lock().unwrap().len(), POOL_BUFFERS);
    }
}
