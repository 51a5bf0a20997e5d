//! `splitbrain`: headless runs, fuzzing and benchmarks. Every command prints exactly one
//! JSON object on stdout; errors print one line on stderr and exit non-zero.

mod bench;
mod commands;
mod schedule_file;
mod sweep;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "splitbrain",
    version,
    about = "Deterministic distributed-systems simulations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one simulation and report its trace hash, violations and counters.
    Run(RunArgs),
    /// Run many randomised fault schedules and report any safety violations.
    Fuzz(FuzzArgs),
    /// Shrink the failing run a playground link shows to a smaller one that breaks the
    /// same property.
    Shrink(ShrinkArgs),
    /// Join the reports of a sweep's shards into the report of the whole sweep.
    Merge(MergeArgs),
    /// Fuzz every combination of settings (`--set r=1..5 --set w=1..5`): violations,
    /// availability and linearizability for each, as JSON with a table.
    Sweep(SweepArgs),
    /// Measure simulated events per second and the cost of seeking.
    Bench(BenchArgs),
    /// Check whether a recorded client history is linearizable.
    CheckHistory(CheckHistoryArgs),
    /// Run the CAP experiment: the same partition against several designs.
    Cap(CapArgs),
    /// Describe every protocol: settings, bugs, behaviours, roles, operations, properties.
    Protocols,
    /// Every built-in lesson, with its steps and their claims.
    Lessons,
    /// Lessons: check a lesson file's claims.
    #[command(subcommand)]
    Lesson(LessonCommand),
}

#[derive(Subcommand)]
enum LessonCommand {
    /// Read a lesson and run every step's claim; fails naming the first that does not hold.
    Check(LessonCheckArgs),
}

#[derive(Args)]
struct LessonCheckArgs {
    /// A lesson file (Markdown with a front matter).
    #[arg(value_name = "FILE", required_unless_present = "all")]
    file: Option<std::path::PathBuf>,
    /// Check every built-in lesson instead.
    #[arg(long, conflicts_with = "file")]
    all: bool,
}

#[derive(Args)]
struct CapArgs {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Which comparison: raft-vs-quorum, quorum-sizes, primary-backup or all.
    #[arg(long, default_value = "all")]
    scenario: String,
}

#[derive(Args)]
struct CheckHistoryArgs {
    /// A history: splitbrain's JSON (an array of client records, or an object with a
    /// "history" array), Jepsen's EDN (Knossos; Porcupine's key-value logs) or Jepsen's
    /// text log (Porcupine's etcd logs).
    #[arg(value_name = "FILE")]
    file: std::path::PathBuf,
    /// The history's format: json, edn or jepsen-log [default: detected from its text].
    #[arg(long)]
    format: Option<String>,
}

/// Settings shared by `run` and `fuzz`.
#[derive(Args, Clone)]
struct ClusterArgs {
    /// Protocol to simulate.
    #[arg(long, default_value = "raft")]
    protocol: String,
    /// Number of nodes (1 to 64, within the protocol's own range; its default if not
    /// given: `splitbrain protocols` lists both).
    #[arg(long)]
    nodes: Option<usize>,
    /// Deliberately broken protocol variant to switch on (repeatable).
    #[arg(long = "bug", value_name = "NAME")]
    bugs: Vec<String>,
    /// Client operations per simulated second (0 for none).
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// One of the protocol's settings, NAME=VALUE (repeatable; `splitbrain protocols`
    /// lists them), such as `--set r=2 --set w=2` for the quorum store.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    settings: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated time to run, e.g. 60s, 1500ms, 2m [default: the link's moment `t`, or
    /// 60s].
    #[arg(long)]
    until: Option<String>,
    /// JSON schedule of actions (an array, or an object with a "schedule" field such as
    /// the `first_failure` that `fuzz` prints).
    #[arg(long, value_name = "FILE")]
    schedule: Option<std::path::PathBuf>,
    /// Run exactly what a playground link shows: the whole address, or what follows `#`
    /// (`v=1&protocol=...&actions=...&t=5s`; a lesson's step too). The protocol, nodes,
    /// seed, bugs, settings and actions come from the link, not from the other options.
    #[arg(long, value_name = "LINK", conflicts_with_all = ["schedule", "protocol", "nodes", "bugs", "settings", "seed", "rate"])]
    link: Option<String>,
}

#[derive(Args)]
struct FuzzArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, default_value_t = 1000)]
    runs: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated time of each run.
    #[arg(long, default_value = "20s")]
    until: String,
    /// Also crash nodes with their disks wiped (outside Raft's fault model).
    #[arg(long)]
    disk_loss: bool,
    /// Stop at the first failing run.
    #[arg(long)]
    stop_at_first: bool,
    /// Let the fuzzer make up to this many nodes Byzantine, with the protocol's
    /// behaviours (0: every node stays honest). By default, as many as the protocol
    /// says it tolerates with these settings (none for the crash-fault protocols).
    #[arg(long)]
    traitors: Option<u32>,
    /// Only these kinds of fault, comma-separated (`--faults partition,crash,pause`), of
    /// partition, cut, crash, pause, slow, clock-step, clock-drift and network [default:
    /// every kind the protocol's promises allow].
    #[arg(long, value_name = "KINDS")]
    faults: Option<String>,
    /// Runs at once, on as many threads [default: every core]; the report is the same
    /// for any number.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only the K-th of N consecutive slices of the sweep (`--shard 2/8`), for a batch
    /// system to spread a sweep over machines; `splitbrain merge` joins the slices'
    /// reports into the whole sweep's.
    #[arg(long, value_name = "K/N", conflicts_with = "stop_at_first")]
    shard: Option<String>,
    /// Re-runs the shrink of the first failure may make (0: print it unshrunk).
    #[arg(long, value_name = "N", default_value_t = splitbrain_core::fuzz::shrink::DEFAULT_BUDGET)]
    shrink_budget: u32,
}

#[derive(Args)]
struct ShrinkArgs {
    /// The run: a playground link (the whole address or what follows `#`), such as the
    /// `playground_link` `fuzz` prints; it runs to the link's moment `t` (60s if none).
    #[arg(long, value_name = "LINK")]
    link: String,
    /// Re-runs the shrink may make, the first included.
    #[arg(long, value_name = "N", default_value_t = splitbrain_core::fuzz::shrink::DEFAULT_BUDGET)]
    budget: u32,
}

#[derive(Args)]
struct SweepArgs {
    /// The protocol, cluster and client load; each `--set NAME=VALUES` here is an axis of
    /// the sweep: a range (`--set r=1..5`) or a list (`--set retry=none,fixed100ms~5`).
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Fuzz runs for each combination of settings.
    #[arg(long, default_value_t = 200)]
    runs: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated time of each run.
    #[arg(long, default_value = "20s")]
    until: String,
    /// Runs at once [default: every core].
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Args)]
struct MergeArgs {
    /// The reports of a sweep's shards (`fuzz --shard K/N` output), in any order.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<std::path::PathBuf>,
}

#[derive(Args)]
struct BenchArgs {
    /// Shorter runs, for a quick look.
    #[arg(long)]
    quick: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let line = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "{} (see splitbrain --help)",
                line.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Run(a) => commands::run(a),
        Command::Fuzz(a) => sweep::fuzz(a),
        Command::Shrink(a) => commands::shrink(&a.link, a.budget),
        Command::Merge(a) => sweep::merge(&a.reports),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Bench(a) => bench::bench(a.quick),
        Command::CheckHistory(a) => commands::check_history(&a.file, a.format.as_deref()),
        Command::Cap(a) => commands::cap(a.seed, &a.scenario),
        Command::Protocols => commands::protocols(),
        Command::Lessons => commands::lessons(),
        Command::Lesson(LessonCommand::Check(a)) => commands::lesson_check(a.file.as_deref()),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
