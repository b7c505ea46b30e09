//! Runs jobs along a dependency graph with bounded parallelism.
//!
//! A job starts when every job it depends on has succeeded. After the first
//! failure nothing new starts; jobs already running finish and are reported.
//! Each worker owns one session, opened when it takes its first job.

use crate::connector::{Connector, ConnectorError, Session};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// One unit of work: statements run in order on one session.
#[derive(Clone, Debug)]
pub struct Job {
    /// Indexes of the jobs that must succeed first.
    pub depends_on: Vec<usize>,
    pub statements: Vec<String>,
    /// The role the statements run under (`USE ROLE` first when the
    /// worker's session is in another role); `None`: the session's role.
    pub role: Option<String>,
}

/// How a job ended.
#[derive(Debug)]
pub enum Outcome {
    Succeeded {
        elapsed: Duration,
    },
    /// `statement` (an index into the job's statements) failed; the ones
    /// before it succeeded.
    Failed {
        statement: usize,
        error: ConnectorError,
    },
    /// Never started, because something failed first or a dependency did.
    NotAttempted,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Succeeded { .. })
    }
}

/// Called from a worker thread when a job ends, before any job that depends
/// on it starts (so state is recorded in dependency order). Returning
/// `false` stops new work, as a failure does (e.g. the state can no longer
/// be saved).
pub type OnFinish<'a> = dyn Fn(usize, &Outcome) -> bool + Sync + 'a;

/// Called from a worker thread right before a job runs.
pub type OnStart<'a> = dyn Fn(usize) + Sync + 'a;

struct Shared {
    ready: VecDeque<usize>,
    remaining_deps: Vec<usize>,
    outcomes: Vec<Option<Outcome>>,
    running: usize,
    stopped: bool,
}

/// Runs `jobs`; returns one outcome per job, in job order.
pub fn run(
    jobs: &[Job],
    parallelism: usize,
    connector: &dyn Connector,
    on_start: &OnStart<'_>,
    on_finish: &OnFinish<'_>,
) -> Vec<Outcome> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    let mut remaining_deps = vec![0; jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        for &d in &job.depends_on {
            dependents[d].push(i);
            remaining_deps[i] += 1;
        }
    }
    let ready: VecDeque<usize> = (0..jobs.len())
        .filter(|&i| remaining_deps[i] == 0)
        .collect();
    let state = Mutex::new(Shared {
        ready,
        remaining_deps,
        outcomes: (0..jobs.len()).map(|_| None).collect(),
        running: 0,
        stopped: false,
    });
    let wake = Condvar::new();
    let workers = parallelism.clamp(1, jobs.len().max(1));

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // A worker's session and the role it is in (`None`: the
                // role it opened in).
                let mut session: Option<(Box<dyn Session>, Option<String>)> = None;
                loop {
                    let index = {
                        let mut s = state.lock().unwrap();
                        loop {
                            if s.stopped {
                                break None;
                            }
                            if let Some(i) = s.ready.pop_front() {
                                s.running += 1;
                                break Some(i);
                            }
                            if s.running == 0 {
                                break None;
                            }
                            s = wake.wait(s).unwrap();
                        }
                    };
                    let Some(index) = index else {
                        wake.notify_all();
                        return;
                    };
                    on_start(index);
                    let outcome = run_job(&jobs[index], &mut session, connector);
                    if matches!(outcome, Outcome::Failed { .. }) {
                        // A session that saw a network failure may be broken.
                        session = None;
                    }
                    let keep_going = on_finish(index, &outcome);
                    let mut s = state.lock().unwrap();
                    s.running -= 1;
                    if !keep_going {
                        s.stopped = true;
                        s.ready.clear();
                    }
                    if outcome.succeeded() {
                        for &d in &dependents[index] {
                            s.remaining_deps[d] -= 1;
                            if s.remaining_deps[d] == 0 && !s.stopped {
                                s.ready.push_back(d);
                            }
                        }
                    } else {
                        s.stopped = true;
                        s.ready.clear();
                    }
                    s.outcomes[index] = Some(outcome);
                    drop(s);
                    wake.notify_all();
                }
            });
        }
    });
    state
        .into_inner()
        .unwrap()
        .outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::NotAttempted))
        .collect()
}

fn run_job(
    job: &Job,
    session: &mut Option<(Box<dyn Session>, Option<String>)>,
    connector: &dyn Connector,
) -> Outcome {
    let started = Instant::now();
    if session.is_none() {
        match connector.open() {
            Ok(s) => *session = Some((s, None)),
            Err(error) => {
                return Outcome::Failed {
                    statement: 0,
                    error,
                };
            }
        }
    }
    let (s, in_role) = session.as_mut().expect("opened above");
    // Switch roles only when this job needs another one than the last.
    if let Some(role) = &job.role
        && in_role.as_ref() != Some(role)
    {
        if let Err(error) = s.execute(&format!("USE ROLE {role}")) {
            return Outcome::Failed {
                statement: 0,
                error,
            };
        }
        *in_role = Some(role.clone());
    }
    for (i, sql) in job.statements.iter().enumerate() {
        if let Err(error) = s.execute(sql) {
            return Outcome::Failed {
                statement: i,
                error,
            };
        }
    }
    Outcome::Succeeded {
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Rows;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records statements; fails the ones containing "FAIL".
    struct Recorder {
        log: Arc<Mutex<Vec<String>>>,
        live: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    struct RecSession {
        log: Arc<Mutex<Vec<String>>>,
        live: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    impl Connector for Recorder {
        fn open(&self) -> Result<Box<dyn Session>, ConnectorError> {
            Ok(Box::new(RecSession {
                log: self.log.clone(),
                live: self.live.clone(),
                peak: self.peak.clone(),
            }))
        }
    }

    impl Session for RecSession {
        fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError> {
            let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            self.live.fetch_sub(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(sql.to_string());
            if sql.contains("FAIL") {
                return Err(ConnectorError::Sql {
                    code: Some("002003".into()),
                    message: "boom".into(),
                    query_id: None,
                });
            }
            Ok(Rows::default())
        }
    }

    fn recorder() -> Recorder {
        Recorder {
            log: Arc::default(),
            live: Arc::default(),
            peak: Arc::default(),
        }
    }

    fn job(deps: &[usize], sql: &str) -> Job {
        Job {
            role: None,
            depends_on: deps.to_vec(),
            statements: vec![sql.to_string()],
        }
    }

    #[test]
    fn respects_dependencies_and_bound() {
        // 0 <- 1 <- 2, and 3..10 independent.
        let mut jobs = vec![job(&[], "a"), job(&[0], "b"), job(&[1], "c")];
        for i in 3..10 {
            jobs.push(job(&[], &format!("x{i}")));
        }
        let rec = recorder();
        let outcomes = run(&jobs, 3, &rec, &|_| {}, &|_, _| true);
        assert!(outcomes.iter().all(Outcome::succeeded));
        let log = rec.log.lock().unwrap().clone();
        let pos = |s: &str| log.iter().position(|l| l == s).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("c"));
        assert!(rec.peak.load(Ordering::SeqCst) <= 3);
        assert!(rec.peak.load(Ordering::SeqCst) >= 2, "ran in parallel");
    }

    #[test]
    fn failure_stops_new_work_and_skips_dependents() {
        let jobs = vec![
            job(&[], "FAIL"),
            job(&[0], "after-fail"),
            job(&[], "independent"),
        ];
        let rec = recorder();
        let outcomes = run(&jobs, 1, &rec, &|_| {}, &|_, _| true);
        assert!(matches!(outcomes[0], Outcome::Failed { statement: 0, .. }));
        assert!(matches!(outcomes[1], Outcome::NotAttempted));
        assert!(matches!(outcomes[2], Outcome::NotAttempted));
        assert_eq!(*rec.log.lock().unwrap(), vec!["FAIL".to_string()]);
    }

    #[test]
    fn on_finish_can_stop_new_work() {
        let jobs = vec![job(&[], "a"), job(&[0], "b"), job(&[], "c")];
        let rec = recorder();
        let outcomes = run(&jobs, 1, &rec, &|_| {}, &|_, _| false);
        assert!(outcomes[0].succeeded());
        assert!(matches!(outcomes[1], Outcome::NotAttempted));
        assert!(matches!(outcomes[2], Outcome::NotAttempted));
    }

    #[test]
    fn on_finish_runs_before_dependents_start() {
        let jobs = vec![job(&[], "a"), job(&[0], "b")];
        let rec = recorder();
        let events = Mutex::new(Vec::new());
        run(
            &jobs,
            2,
            &rec,
            &|i| events.lock().unwrap().push(format!("start {i}")),
            &|i, _| {
                events.lock().unwrap().push(format!("finish {i}"));
                true
            },
        );
        assert_eq!(
            *events.lock().unwrap(),
            vec!["start 0", "finish 0", "start 1", "finish 1"]
        );
    }
}
