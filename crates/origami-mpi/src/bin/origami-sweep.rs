//! Independent runs spread over MPI ranks, their output gathered on rank
//! 0: the lab's experiments, or one command over several seeds.
//!
//! ```text
//! mpirun -np 4 origami-sweep [--collect PATH]... -- COMMAND ARG... ::: VALUE...
//! ```
//!
//! Every `{}` in the command (and in each `--collect` path) is replaced by
//! one value; job `j` (the `j`-th value) runs on rank `j mod N`, as a child
//! process in this directory. When all are done, rank 0 prints each job's
//! standard output in job order under a `== job j: command` line, and
//! writes the files each job's rank collected (text, such as a lab record
//! `target/lab/{}.json`) at the same path on rank 0's machine. A job that
//! fails is reported with its exit status and standard error; the sweep
//! then exits with 1, after every other job has run.
//!
//! ```text
//! mpirun -np 2 origami-sweep --collect 'target/lab/{}.json' -- \
//!     target/release/examples/{} ::: learning_rate fluctuations bias_variance
//! mpirun -np 5 origami-sweep -- target/release/examples/rnn_text_classification \
//!     --seed {} --quiet --metrics 'target/seed-{}.json' ::: 1 2 3 4 5
//! ```

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use origami_mpi::Cluster;

struct Sweep {
    command: Vec<String>,
    values: Vec<String>,
    collect: Vec<String>,
}

/// What one job left: its exit, output and collected files.
struct Outcome {
    job: usize,
    ok: bool,
    status: String,
    stdout: String,
    stderr: String,
    files: Vec<(String, String)>,
}

fn main() -> ExitCode {
    let sweep = match parse(std::env::args().skip(1)) {
        Ok(s) => s,
        Err(message) => {
            eprintln!(
                "origami-sweep: {message}\nusage: mpirun -np N origami-sweep [--collect PATH]... -- COMMAND ARG... ::: VALUE..."
            );
            return ExitCode::from(2);
        }
    };
    let cluster = match Cluster::init() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("origami-sweep: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mine: String = (cluster.rank()..sweep.values.len())
        .step_by(cluster.size())
        .map(|job| encode(&run(&sweep, job)))
        .collect();
    let Some(all) = cluster.gather_text(&mine) else {
        return ExitCode::SUCCESS;
    };
    let mut outcomes: Vec<Outcome> = all.iter().flat_map(|text| decode(text)).collect();
    outcomes.sort_by_key(|o| o.job);
    report(&sweep, &outcomes)
}

fn parse(args: impl Iterator<Item = String>) -> Result<Sweep, String> {
    let args: Vec<String> = args.collect();
    let dashes = args
        .iter()
        .position(|a| a == "--")
        .ok_or("no `--` before the command")?;
    let mut collect = Vec::new();
    let mut flags = args[..dashes].iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--collect" => collect.push(flags.next().ok_or("--collect needs a path")?.clone()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let rest = &args[dashes + 1..];
    let colons = rest
        .iter()
        .position(|a| a == ":::")
        .ok_or("no `:::` before the values")?;
    let (command, values) = (rest[..colons].to_vec(), rest[colons + 1..].to_vec());
    if command.is_empty() {
        return Err("no command".into());
    }
    if values.is_empty() {
        return Err("no values after `:::`".into());
    }
    Ok(Sweep {
        command,
        values,
        collect,
    })
}

/// Runs job `job` here and reads the files it was to leave.
fn run(sweep: &Sweep, job: usize) -> Outcome {
    let value = &sweep.values[job];
    let words: Vec<String> = sweep
        .command
        .iter()
        .map(|w| w.replace("{}", value))
        .collect();
    let mut outcome = Outcome {
        job,
        ok: false,
        status: String::new(),
        stdout: String::new(),
        stderr: String::new(),
        files: Vec::new(),
    };
    match Command::new(&words[0]).args(&words[1..]).output() {
        Err(e) => outcome.status = format!("could not start {:?}: {e}", words[0]),
        Ok(out) => {
            outcome.ok = out.status.success();
            outcome.status = out.status.to_string();
            outcome.stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            outcome.stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        }
    }
    for path in sweep.collect.iter().map(|p| p.replace("{}", value)) {
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => outcome.files.push((path, text)),
            Ok(Err(_)) => fail(
                &mut outcome,
                format!("{path}: not text, cannot be collected"),
            ),
            Err(e) if outcome.ok => fail(&mut outcome, format!("{path}: {e}")),
            Err(_) => {}
        }
    }
    outcome
}

fn fail(outcome: &mut Outcome, why: String) {
    outcome.ok = false;
    outcome.stderr.push_str(&format!("origami-sweep: {why}\n"));
}

/// Prints the jobs in order, writes the collected files, says which failed.
fn report(sweep: &Sweep, outcomes: &[Outcome]) -> ExitCode {
    let mut failed = Vec::new();
    for o in outcomes {
        let value = &sweep.values[o.job];
        let command: Vec<String> = sweep
            .command
            .iter()
            .map(|w| w.replace("{}", value))
            .collect();
        println!("== job {}: {}", o.job, command.join(" "));
        print!("{}", o.stdout);
        for (path, text) in &o.files {
            let path = PathBuf::from(path);
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| {
                    origami_nn::atomic_write(&path, text.as_bytes()).map_err(std::io::Error::other)
                });
            if let Err(e) = written {
                eprintln!(
                    "origami-sweep: job {}: writing {}: {e}",
                    o.job,
                    path.display()
                );
                failed.push(o.job);
            }
        }
        if !o.ok {
            eprintln!(
                "origami-sweep: job {} ({value}) failed: {}\n{}",
                o.job, o.status, o.stderr
            );
            failed.push(o.job);
        }
    }
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    failed.dedup();
    eprintln!(
        "origami-sweep: {} of {} jobs failed: {failed:?}",
        failed.len(),
        outcomes.len()
    );
    ExitCode::FAILURE
}

/// One job as text: a header line, then each part as `length\n` + bytes.
fn encode(o: &Outcome) -> String {
    let mut text = format!("{} {} {}\n", o.job, u8::from(o.ok), o.files.len());
    let mut part = |s: &str| text.push_str(&format!("{}\n{s}", s.len()));
    part(&o.status);
    part(&o.stdout);
    part(&o.stderr);
    for (path, content) in &o.files {
        part(path);
        part(content);
    }
    text
}

fn decode(mut text: &str) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    while !text.is_empty() {
        let head = line(&mut text);
        let fields: Vec<usize> = head
            .split(' ')
            .map(|f| f.parse().expect("a count"))
            .collect();
        let (status, stdout, stderr) = (part(&mut text), part(&mut text), part(&mut text));
        let files = (0..fields[2])
            .map(|_| (part(&mut text), part(&mut text)))
            .collect();
        outcomes.push(Outcome {
            job: fields[0],
            ok: fields[1] == 1,
            status,
            stdout,
            stderr,
            files,
        });
    }
    outcomes
}

// The framing is written by `encode` in this same program on every rank:
// a malformed frame is a bug, not input.
fn line(text: &mut &str) -> String {
    let end = text.find('\n').expect("a framed line");
    let l = text[..end].to_string();
    *text = &text[end + 1..];
    l
}

fn part(text: &mut &str) -> String {
    let len: usize = line(text).parse().expect("a length");
    let p = text[..len].to_string();
    *text = &text[len..];
    p
}
