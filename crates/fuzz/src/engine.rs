//! The fuzzing loop: start from the seeds and regressions of a target, mutate a corpus
//! member, run the target on it with panics caught, keep the mutant when its signature
//! is new, save and shrink every crash, and stop at the budget. The `watchdog` reports
//! an input that runs longer than the hang limit: it is saved, and the process ends.

use std::cell::RefCell;
use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher as _};
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use crate::mutate::mutate;
use crate::rng::Rng;
use crate::targets::Target;
use crate::watchdog::Watchdog;

/// The corpus stops growing at this many inputs.
const MAX_CORPUS: usize = 8192;
/// Executions a crash may spend on being made smaller.
const SHRINK_EXECS: usize = 2000;

/// How long, and how, a target is fuzzed.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Stop after this long...
    pub time: Duration,
    /// ... or after this many executions of mutants (the deterministic budget).
    pub max_execs: u64,
    /// The random source's seed: the same seed and executions make the same inputs.
    pub seed: u64,
    /// An input that runs longer than this is a hang.
    pub hang: Duration,
    /// Mutants are cut to this many bytes.
    pub max_len: usize,
}

/// Where a target's inputs are read and its crashes written.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The folder holding `seeds/`, `regressions/` and `crashes/`.
    pub root: PathBuf,
    /// Whether crashing inputs are written under `crashes/<target>/`.
    pub save: bool,
}

impl Dirs {
    /// The seed and regression inputs of `target`, in name order.
    pub fn inputs(&self, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        ["seeds", "regressions"]
            .iter()
            .flat_map(|kind| read_dir_files(&self.root.join(kind).join(target)))
            .collect()
    }

    fn crash_dir(&self, target: &str) -> PathBuf {
        self.root.join("crashes").join(target)
    }
}

/// A crash or hang.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic` or `hang`.
    pub kind: &'static str,
    /// The panic message and where it was raised.
    pub message: String,
    /// The input, as small as shrinking made it.
    pub input: Vec<u8>,
    /// Where it was saved.
    pub saved: Option<PathBuf>,
}

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    /// Executions, the seeds' and regressions' included.
    pub execs: u64,
    /// Inputs that crashed (the same defect found again counts again).
    pub crashes: u64,
    /// One finding per distinct panic message.
    pub findings: Vec<Finding>,
    /// Inputs the corpus ended with.
    pub corpus: usize,
}

/// The files of `dir` (none when it is missing), in name order.
pub fn read_dir_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes)))
        .collect()
}

thread_local! {
    /// The message of the last panic caught on this thread.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// True while this thread runs a target: its panics are recorded, not printed.
    static RUNNING: RefCell<bool> = const { RefCell::new(false) };
}

/// Installs (once) the panic hook that records a target's panics quietly and leaves
/// every other panic to the previous hook.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if RUNNING.with(|r| *r.borrow()) {
                let place = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let text = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                PANIC.with(|p| *p.borrow_mut() = Some(format!("{place}: {text}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `target` on `input`: its signature, or the panic's message and place.
pub fn run_one(target: &Target, input: &[u8]) -> Result<u64, String> {
    install_hook();
    RUNNING.with(|r| *r.borrow_mut() = true);
    let ran = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    RUNNING.with(|r| *r.borrow_mut() = false);
    ran.map_err(|_| PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())
}

/// Fuzzes `target` within `budget`.
pub fn fuzz(target: &'static Target, dirs: &Dirs, budget: &Budget) -> Report {
    let crash_dir = dirs.save.then(|| dirs.crash_dir(target.name));
    let (name, hang) = (target.name, budget.hang);
    let watchdog = Watchdog::start(hang, move |input| {
        let saved = crash_dir.as_ref().and_then(|dir| save(dir, "hang", input));
        let shown = saved.map_or_else(
            || format!("{:?}", String::from_utf8_lossy(input)),
            |p| p.display().to_string(),
        );
        let _ = writeln!(
            std::io::stderr(),
            "{name}: hang: an input ran longer than {} ms of CPU time: {shown}",
            hang.as_millis()
        );
        std::process::exit(1);
    });
    let mut fuzzer = Fuzzer {
        target,
        dirs,
        watchdog: &watchdog,
        report: Report {
            target: target.name,
            execs: 0,
            crashes: 0,
            findings: Vec::new(),
            corpus: 0,
        },
        signatures: HashSet::new(),
        corpus: Vec::new(),
    };
    for (_, input) in dirs.inputs(target.name) {
        fuzzer.try_input(input);
    }
    if fuzzer.corpus.is_empty() {
        fuzzer.corpus.push(Vec::new());
    }
    let mut rng = Rng::new(budget.seed);
    let deadline = Instant::now() + budget.time;
    let mut mutants = 0;
    while mutants < budget.max_execs && Instant::now() < deadline {
        let parent = &fuzzer.corpus[rng.below(fuzzer.corpus.len())];
        let other = &fuzzer.corpus[rng.below(fuzzer.corpus.len())];
        let child = mutate(&mut rng, parent, other, target.words, budget.max_len);
        fuzzer.try_input(child);
        mutants += 1;
    }
    fuzzer.report.corpus = fuzzer.corpus.len();
    let report = fuzzer.report;
    watchdog.stop();
    report
}

/// One target's loop state.
struct Fuzzer<'a> {
    target: &'static Target,
    dirs: &'a Dirs,
    watchdog: &'a Watchdog,
    report: Report,
    signatures: HashSet<u64>,
    corpus: Vec<Vec<u8>>,
}

impl Fuzzer<'_> {
    /// Runs one input: a crash is recorded, a new signature grows the corpus.
    fn try_input(&mut self, input: Vec<u8>) {
        let ran = self.watched(&input);
        match ran {
            Ok(signature) => {
                if self.signatures.insert(signature) && self.corpus.len() < MAX_CORPUS {
                    self.corpus.push(input);
                }
            }
            Err(message) => {
                self.report.crashes += 1;
                if !self
                    .report
                    .findings
                    .iter()
                    .any(|f| same_defect(&f.message, &message))
                {
                    let input = self.shrink(input, &message);
                    let saved = self
                        .dirs
                        .save
                        .then(|| save(&self.dirs.crash_dir(self.target.name), "panic", &input));
                    self.report.findings.push(Finding {
                        kind: "panic",
                        message,
                        input,
                        saved: saved.flatten(),
                    });
                }
            }
        }
    }

    /// Runs `input` with the watchdog told about it.
    fn watched(&mut self, input: &[u8]) -> Result<u64, String> {
        let target = self.target;
        let ran = self.watchdog.watch(input, || run_one(target, input));
        self.report.execs += 1;
        ran
    }

    /// Removes pieces of `input` (halves, then quarters, ... single bytes) while it still
    /// crashes the same way.
    fn shrink(&mut self, mut input: Vec<u8>, message: &str) -> Vec<u8> {
        let mut spent = 0;
        let mut chunk = input.len() / 2;
        while chunk > 0 && spent < SHRINK_EXECS {
            let mut at = 0;
            while at < input.len() && spent < SHRINK_EXECS {
                let mut smaller = input.clone();
                smaller.drain(at..(at + chunk).min(input.len()));
                spent += 1;
                match self.watched(&smaller) {
                    Err(m) if same_defect(&m, message) => input = smaller,
                    _ => at += chunk,
                }
            }
            chunk /= 2;
        }
        input
    }
}

/// Two panics are the same defect when raised at the same place.
fn same_defect(a: &str, b: &str) -> bool {
    let place = |m: &str| m.split(": ").next().unwrap_or(m).to_string();
    place(a) == place(b)
}

/// Writes `input` to `dir` as `KIND-HASH`; the path, or `None` when it cannot.
fn save(dir: &Path, kind: &str, input: &[u8]) -> Option<PathBuf> {
    let mut hasher = DefaultHasher::new();
    input.hash(&mut hasher);
    let path = dir.join(format!("{kind}-{:016x}", hasher.finish()));
    std::fs::create_dir_all(dir).ok()?;
    std::fs::write(&path, input).ok()?;
    Some(path)
}
