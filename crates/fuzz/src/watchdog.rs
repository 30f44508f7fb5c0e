//! The hang watchdog: a thread that sees which input the fuzzer runs and, when one
//! input has used more than the hang limit of CPU time, hands it to the engine, which
//! reports it and ends the process (a hung thread cannot be stopped).
//!
//! CPU time rather than wall time, so that a fuzzer starved by other work on the
//! machine (`nice -n 10` beside a build) does not report hangs that are not; wall time
//! only backs it up, at 30 times the limit, and stands in where `/proc` cannot be read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the fuzzer and the watchdog share.
struct Shared {
    /// The input being run, numbered so that the watchdog tells one run from the next.
    running: Mutex<Option<(u64, Vec<u8>)>>,
    runs: AtomicU64,
    done: AtomicBool,
}

/// A running watchdog.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    thread: JoinHandle<()>,
}

impl Watchdog {
    /// Starts watching for an input that runs longer than `hang`; `on_hang` gets the
    /// first such input (and ends the process: the run cannot be stopped otherwise).
    pub(crate) fn start(hang: Duration, on_hang: impl Fn(&[u8]) + Send + 'static) -> Watchdog {
        let shared = Arc::new(Shared {
            running: Mutex::new(None),
            runs: AtomicU64::new(0),
            done: AtomicBool::new(false),
        });
        let watched = Arc::clone(&shared);
        let tick = (hang / 8).clamp(Duration::from_millis(5), Duration::from_millis(100));
        let thread = std::thread::spawn(move || {
            // The run seen last, with the CPU and wall clocks when it was first seen.
            let mut seen: Option<(u64, Option<Duration>, Instant)> = None;
            while !watched.done.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                let guard = watched
                    .running
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let Some((run, input)) = guard.as_ref() else {
                    seen = None;
                    continue;
                };
                match seen {
                    Some((id, cpu, wall)) if id == *run => {
                        let used = cpu
                            .zip(process_cpu_time())
                            .map(|(a, b)| b.saturating_sub(a));
                        let hung = match used {
                            Some(used) => used > hang || wall.elapsed() > hang * 30,
                            None => wall.elapsed() > hang,
                        };
                        if hung {
                            on_hang(input);
                            return;
                        }
                    }
                    _ => seen = Some((*run, process_cpu_time(), Instant::now())),
                }
            }
        });
        Watchdog { shared, thread }
    }

    /// Runs `run` on `input` under watch.
    pub(crate) fn watch<T>(&self, input: &[u8], run: impl FnOnce() -> T) -> T {
        let id = self.shared.runs.fetch_add(1, Ordering::Relaxed);
        *self.running() = Some((id, input.to_vec()));
        let ran = run();
        *self.running() = None;
        ran
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Option<(u64, Vec<u8>)>> {
        self.shared
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the thread.
    pub(crate) fn stop(self) {
        self.shared.done.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// CPU time this process has used (user and system), from `/proc/self/stat` in clock
/// ticks of 1/100 s; `None` where it cannot be read.
fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Busy for `time` of wall time.
    fn spin(time: Duration) {
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < time {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
    }

    #[test]
    fn a_long_run_is_reported_with_its_input_and_short_ones_are_not() {
        let reported = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&reported);
        let dog = Watchdog::start(Duration::from_millis(200), move |input| {
            sink.lock().unwrap().push(input.to_vec());
        });
        for _ in 0..20 {
            dog.watch(b"short", || spin(Duration::from_millis(20)));
        }
        // Busy until reported (however slowly the machine lets it use CPU time), with
        // a generous bound so that a watchdog that never reports fails the test.
        let start = Instant::now();
        dog.watch(b"long", || {
            while reported.lock().unwrap().is_empty() && start.elapsed() < Duration::from_secs(60) {
                spin(Duration::from_millis(10));
            }
        });
        dog.stop();
        assert_eq!(*reported.lock().unwrap(), vec![b"long".to_vec()]);
    }

    #[test]
    fn cpu_time_is_read_and_grows_with_work() {
        let Some(before) = process_cpu_time() else {
            return; // no /proc here: the watchdog uses wall time
        };
        spin(Duration::from_millis(200));
        let after = process_cpu_time().expect("read once");
        assert!(
            after > before,
            "{before:?} then {after:?} after 200 ms of work"
        );
    }
}
