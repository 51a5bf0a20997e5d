//! Lessons: guided steps through the course, each a run that shows something, with a claim
//! about that run that is checked, so a lesson's text can never drift from what the
//! simulator does.
//!
//! A lesson is a Markdown file (in `lessons/`, named in [`NAMES`] and compiled in as
//! [`BUILTIN`]): a front matter with its `name`, `topic` (one of [`TOPICS`]) and `title`,
//! then steps. A step starts with a `# Step: TITLE` line; its lines of the form
//! `key: value` are its fields, and the other lines are its text:
//!
//! - `run:` the run it shows, as a link's query (`v=1&protocol=...&actions=...&t=6s`);
//! - `claim:` what the run shows, in the vocabulary of [`claim`];
//! - `contrast: no` when the claim may hold without the step's actions too (by default
//!   the check also runs the same set-up without them and expects the claim not to hold);
//! - `also:` any number of further claims about the same run, for what the step's text
//!   says of it (a number, a moment), checked to hold as the claim is, without a contrast;
//! - `question:` with `choice:` lines, the right one written `choice*:`;
//! - `try:` a prompt for free play (any number);
//! - `view: cap` to show the CAP comparison (the same partition for every design, side by
//!   side) beside the step's run.
//!
//! A lesson may end with a challenge, a `# Challenge: TITLE` section: the goal the reader
//! tries to reach with any faults they like. Its fields:
//!
//! - `run:` the run it starts from;
//! - `goal:` the goal, a claim in the same vocabulary;
//! - `solution:` a run that reaches the goal (checked, and never shown on the page: it
//!   proves the challenge can be won, and the start alone must not reach it);
//! - `hint:` hints, shown one after another while the reader tries.

pub mod claim;

use crate::recipe::{LinkError, Recipe};
use crate::run::RunError;
use claim::{Claim, Finding};
use serde::Serialize;

/// The course's topics, in teaching order: (id, title). A lesson names one; the course map
/// shows every topic, with its lessons or as not covered yet.
pub const TOPICS: &[(&str, &str)] = &[
    ("communication-faults", "Communication faults"),
    ("two-generals", "The two generals"),
    ("failure-detection", "Failure detection"),
    ("retries", "Retries, backoff and jitter"),
    ("overload", "Overload, retry storms and metastable failure"),
    ("rpc-semantics", "Idempotency and RPC semantics"),
    ("byzantine", "Byzantine generals"),
    ("poison-messages", "Poison messages and dead-letter queues"),
    ("clocks", "Clocks: drift, Lamport, vector"),
    (
        "broadcast",
        "Broadcast: reliable, FIFO, causal, total order",
    ),
    ("consistency", "Consistency models"),
    ("replication", "Replication"),
    ("cap", "CAP"),
    ("consensus", "Consensus: Raft, Paxos, flooding, PBFT"),
    ("two-phase-commit", "Two-phase commit"),
    ("leaders-epochs", "Leaders and epochs"),
    ("system-models", "System models"),
    ("checkpointing", "Checkpointing and message logging"),
    ("availability", "Availability"),
];

/// Declares the built-in lessons once, by name (each is the file `lessons/NAME.md`):
/// [`NAMES`] lists them, and [`BUILTIN`] compiles their texts in. A program that reads
/// only the names (the page, which fetches the files when a reader opens the course)
/// carries none of the text.
macro_rules! builtin_lessons {
    ($($name:literal),* $(,)?) => {
        /// The built-in lessons' names, in the course's order: the files `lessons/NAME.md`.
        pub const NAMES: &[&str] = &[$($name),*];
        /// The built-in lessons compiled into the program: (file name, text).
        pub const BUILTIN: &[(&str, &str)] = &[$((
            concat!($name, ".md"),
            include_str!(concat!("../../../../lessons/", $name, ".md")),
        )),*];
    };
}

builtin_lessons![
    "communication-faults",
    "two-generals",
    "failure-detection",
    "rpc-semantics",
    "server-crashes",
    "byzantine-generals",
    "byzantine-bounds",
    "poison-messages",
    "leaders-epochs",
    "leaderless-quorums",
    "clocks",
    "clock-sync",
    "broadcast-reliable",
    "broadcast-order",
    "consistency-models",
    "cap",
    "retries",
    "overload",
    "leader-election",
    "log-replication",
    "crash-recovery",
    "flooding",
    "paxos",
    "pbft",
    "two-phase-commit",
    "agreement-compared",
    "system-models",
    "checkpoints",
    "availability",
    "snapshots",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lesson {
    pub name: String,
    pub topic: String,
    pub title: String,
    pub steps: Vec<Step>,
    pub challenge: Option<Challenge>,
}

/// A goal to reach in free play.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub title: String,
    pub text: String,
    /// The run it starts from, as a link's query.
    pub run: String,
    /// The goal as written.
    pub goal: String,
    #[serde(skip)]
    pub parsed_goal: Claim,
    /// A run that reaches the goal.
    #[serde(skip)]
    pub solution: String,
    pub hints: Vec<String>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub title: String,
    /// Its text, paragraphs separated by blank lines.
    pub text: String,
    /// The run, as a link's query.
    pub run: String,
    /// The claim as written.
    pub claim: String,
    #[serde(skip)]
    pub parsed_claim: Claim,
    /// Whether the claim must fail without the step's actions.
    pub contrast: bool,
    /// Further claims about the same run, as written: what the step's text says of it.
    pub also: Vec<String>,
    #[serde(skip)]
    pub parsed_also: Vec<Claim>,
    pub question: Option<Question>,
    pub try_this: Vec<String>,
    /// A view the page shows with the step (`cap`: the CAP comparison).
    pub view: Option<String>,
    /// The line the step starts on, for messages.
    pub line: usize,
}

/// The views a step may ask for with `view:`.
pub const VIEWS: &[&str] = &["cap"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Question {
    pub text: String,
    pub choices: Vec<String>,
    /// The index of the right choice.
    pub answer: usize,
}

/// Reads a lesson file; an error names the line.
/// Why a lesson's text was refused: the line (from 1) and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LessonError {
    #[error("line {line}: {problem}")]
    At { line: usize, problem: String },
    /// A link in the lesson (a step's run, a challenge's run or solution) does not read.
    #[error("line {line}: its {field}: {error}")]
    Link {
        line: usize,
        field: String,
        error: Box<LinkError>,
    },
}

pub fn parse(text: &str) -> Result<Lesson, LessonError> {
    let lines: Vec<&str> = text.lines().collect();
    let at = |n: usize, problem: String| LessonError::At {
        line: n + 1,
        problem,
    };
    if lines.first().map(|l| l.trim()) != Some("---") {
        return Err(at(
            0,
            "a lesson starts with a front matter between --- lines".into(),
        ));
    }
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l.trim() == "---")
        .map(|p| p + 1)
        .ok_or_else(|| at(0, "the front matter has no closing --- line".into()))?;
    let (mut name, mut topic, mut title) = (None, None, None);
    for (n, line) in lines.iter().enumerate().take(end).skip(1) {
        let (key, value) =
            field(line).ok_or_else(|| at(n, format!("expected key: value, not {line:?}")))?;
        let slot = match key {
            "name" => &mut name,
            "topic" => &mut topic,
            "title" => &mut title,
            other => return Err(at(n, format!("unknown key {other:?} (name, topic, title)"))),
        };
        *slot = Some(value.to_string());
    }
    let name = name.ok_or_else(|| at(0, "the front matter has no name".into()))?;
    let topic = topic.ok_or_else(|| at(0, "the front matter has no topic".into()))?;
    if !TOPICS.iter().any(|(id, _)| *id == topic) {
        let ids: Vec<&str> = TOPICS.iter().map(|(id, _)| *id).collect();
        return Err(at(
            0,
            format!("unknown topic {topic:?}; topics: {}", ids.join(", ")),
        ));
    }
    let title = title.ok_or_else(|| at(0, "the front matter has no title".into()))?;
    let mut steps = Vec::new();
    let mut challenge_at = None;
    let mut current: Option<RawStep> = None;
    for (n, line) in lines.iter().enumerate().skip(end + 1) {
        let heading = line.trim();
        let starts = heading
            .strip_prefix("# Step:")
            .or_else(|| heading.strip_prefix("# Challenge:"));
        if let Some(t) = starts {
            if challenge_at.is_some() {
                return Err(at(n, "the challenge comes last, after every step".into()));
            }
            if let Some(s) = current.take() {
                steps.push(step(s)?);
            }
            if heading.starts_with("# Challenge:") {
                challenge_at = Some(n);
            }
            current = Some((n, t.trim().to_string(), Vec::new()));
        } else if let Some((_, _, body)) = current.as_mut() {
            body.push((n, line));
        } else if !heading.is_empty() {
            return Err(at(n, "text before the first \"# Step:\" line".into()));
        }
    }
    let challenge = match current.take() {
        Some(raw) if challenge_at.is_some() => Some(challenge(raw)?),
        Some(raw) => {
            steps.push(step(raw)?);
            None
        }
        None => None,
    };
    if steps.is_empty() {
        return Err(at(end, "a lesson needs at least one \"# Step:\"".into()));
    }
    Ok(Lesson {
        name,
        topic,
        title,
        steps,
        challenge,
    })
}

/// A step as read: the line it starts on, its title, and its lines with their numbers.
type RawStep<'a> = (usize, String, Vec<(usize, &'a str)>);

/// `key: value` for the keys lessons use, or `None` for a line of text.
fn field(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let known = [
        "name", "topic", "title", "run", "claim", "also", "contrast", "question", "choice",
        "choice*", "try", "goal", "solution", "hint", "view",
    ];
    known.contains(&key).then(|| (key, value.trim()))
}

fn step((line, title, body): RawStep) -> Result<Step, LessonError> {
    let at = |n: usize, problem: String| LessonError::At {
        line: n + 1,
        problem,
    };
    let (mut run, mut claim, mut contrast) = (None, None, true);
    let (mut question, mut choices, mut answer) = (None, Vec::new(), None);
    let mut try_this = Vec::new();
    let (mut also, mut parsed_also) = (Vec::new(), Vec::new());
    let mut view = None;
    let mut text = Vec::new();
    for (n, l) in body {
        match field(l) {
            Some(("also", v)) => {
                parsed_also.push(Claim::parse(v).map_err(|e| at(n, e))?);
                also.push(v.to_string());
            }
            Some(("run", v)) => {
                Recipe::from_query(v).map_err(|error| LessonError::Link {
                    line: n + 1,
                    field: "run".into(),
                    error: Box::new(error),
                })?;
                run = Some(v.to_string());
            }
            Some(("view", v)) => {
                if !VIEWS.contains(&v) {
                    return Err(at(
                        n,
                        format!("view is one of {}, not {v:?}", VIEWS.join(", ")),
                    ));
                }
                view = Some(v.to_string());
            }
            Some(("claim", v)) => {
                claim = Some((v.to_string(), Claim::parse(v).map_err(|e| at(n, e))?));
            }
            Some(("contrast", v)) => {
                contrast = match v {
                    "yes" => true,
                    "no" => false,
                    other => return Err(at(n, format!("contrast is yes or no, not {other:?}"))),
                }
            }
            Some(("question", v)) => question = Some(v.to_string()),
            Some(("choice", v)) => choices.push(v.to_string()),
            Some(("choice*", v)) => {
                if answer.replace(choices.len()).is_some() {
                    return Err(at(n, "only one choice* per question".into()));
                }
                choices.push(v.to_string());
            }
            Some(("try", v)) => try_this.push(v.to_string()),
            Some((key @ ("goal" | "solution" | "hint"), _)) => {
                return Err(at(n, format!("{key} belongs in a # Challenge: section")))
            }
            Some((key, _)) => return Err(at(n, format!("{key} belongs in the front matter"))),
            None => text.push(l.trim_end()),
        }
    }
    let run = run.ok_or_else(|| at(line, format!("step {title:?} has no run:")))?;
    let (claim, parsed_claim) =
        claim.ok_or_else(|| at(line, format!("step {title:?} has no claim:")))?;
    let question = match (question, answer) {
        (None, None) if choices.is_empty() => None,
        (Some(q), Some(a)) if choices.len() >= 2 => Some(Question {
            text: q,
            choices,
            answer: a,
        }),
        _ => {
            return Err(at(
                line,
                format!(
                    "step {title:?}: a question needs two or more choices, one written choice*:"
                ),
            ))
        }
    };
    Ok(Step {
        title,
        text: text.join("\n").trim().to_string(),
        run,
        claim,
        parsed_claim,
        contrast,
        also,
        parsed_also,
        question,
        try_this,
        view,
        line: line + 1,
    })
}

/// Reads a `# Challenge:` section.
fn challenge((line, title, body): RawStep) -> Result<Challenge, LessonError> {
    let at = |n: usize, problem: String| LessonError::At {
        line: n + 1,
        problem,
    };
    let (mut run, mut goal, mut solution) = (None, None, None);
    let mut hints = Vec::new();
    let mut text = Vec::new();
    for (n, l) in body {
        match field(l) {
            Some((key @ ("run" | "solution"), v)) => {
                Recipe::from_query(v).map_err(|error| LessonError::Link {
                    line: n + 1,
                    field: key.to_string(),
                    error: Box::new(error),
                })?;
                let slot = if key == "run" {
                    &mut run
                } else {
                    &mut solution
                };
                *slot = Some(v.to_string());
            }
            Some(("goal", v)) => {
                goal = Some((v.to_string(), Claim::parse(v).map_err(|e| at(n, e))?));
            }
            Some(("hint", v)) => hints.push(v.to_string()),
            Some((key, _)) => {
                return Err(at(
                    n,
                    format!("{key} is not a challenge's field (run, goal, solution, hint)"),
                ))
            }
            None => text.push(l.trim_end()),
        }
    }
    let missing = |what: &str| at(line, format!("challenge {title:?} has no {what}:"));
    let run = run.ok_or_else(|| missing("run"))?;
    let (goal, parsed_goal) = goal.ok_or_else(|| missing("goal"))?;
    let solution = solution.ok_or_else(|| missing("solution"))?;
    Ok(Challenge {
        title,
        text: text.join("\n").trim().to_string(),
        run,
        goal,
        parsed_goal,
        solution,
        hints,
        line: line + 1,
    })
}

/// A step's claim checked: in its run, and (with contrast) in the same run without its
/// actions, where it must not hold.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub step: String,
    pub holds: bool,
    pub says: String,
    pub at_us: Option<u64>,
    /// With contrast: whether the claim (wrongly) also held without the step's actions.
    pub holds_without_actions: Option<bool>,
    /// The step's `also:` claims that do not hold, each with what the run shows instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_broken: Vec<String>,
    /// The run judged, as a playground link (after `#`): the step's run, or the
    /// challenge's solution.
    pub link: String,
}

impl Checked {
    /// Whether the step demonstrates what it claims.
    pub fn ok(&self) -> bool {
        self.holds && self.holds_without_actions != Some(true) && self.also_broken.is_empty()
    }
}

/// Runs `recipe` to its moment and checks `claim` on it.
pub fn check_run(recipe: &Recipe, claim: &Claim) -> Result<Finding, RunError> {
    if let Claim::Search {
        finds,
        property,
        runs,
        until_us,
    } = claim
    {
        return search(recipe, *finds, property.as_deref(), *runs, *until_us);
    }
    let mut sim = recipe.setup.sim(recipe.schedule.clone())?;
    sim.run_until(recipe.at_us.unwrap_or(DEFAULT_UNTIL_US));
    Ok(claim.check(&*sim))
}

/// A `search` claim: the page's search of `recipe`'s set-up, without its actions.
fn search(
    recipe: &Recipe,
    finds: bool,
    property: Option<&str>,
    runs: u64,
    until_us: crate::time::Micros,
) -> Result<Finding, RunError> {
    let spec = crate::fuzz::FuzzSpec::search(&recipe.setup, Vec::new(), until_us, runs)?;
    let report = crate::fuzz::fuzz(&spec)?;
    Ok(match &report.first_failure {
        Some(f) => Finding {
            holds: finds && property.is_none_or(|p| p == f.violation.invariant),
            at_us: None,
            says: format!(
                "the search broke \u{201c}{}\u{201d} in run {} of {runs}: {}",
                f.violation.invariant,
                f.run + 1,
                f.violation.message
            ),
        },
        None => Finding {
            holds: !finds,
            at_us: None,
            says: format!(
                "no run of {} ({} each) broke a promised property",
                report.runs,
                crate::time::Pretty(until_us)
            ),
        },
    })
}

/// Where a lesson's run stops when it names no moment.
pub const DEFAULT_UNTIL_US: crate::time::Micros = 10 * crate::time::MICROS_PER_SEC;

/// Checks every step of `lesson`, and its challenge: that the solution reaches the goal,
/// and that the start, left alone as long, does not.
pub fn check(lesson: &Lesson) -> Result<Vec<Checked>, LinkError> {
    let mut checked: Vec<Checked> = lesson
        .steps
        .iter()
        .map(|s| {
            let recipe = Recipe::from_query(&s.run)?;
            let found = check_run(&recipe, &s.parsed_claim)?;
            let mut also_broken = Vec::new();
            for (text, claim) in s.also.iter().zip(&s.parsed_also) {
                let f = check_run(&recipe, claim)?;
                if !f.holds {
                    also_broken.push(format!("{text}: {}", f.says));
                }
            }
            let without = if s.contrast && !recipe.schedule.is_empty() {
                let calm = Recipe {
                    schedule: Vec::new(),
                    ..recipe.clone()
                };
                Some(check_run(&calm, &s.parsed_claim)?.holds)
            } else {
                None
            };
            Ok(Checked {
                step: s.title.clone(),
                holds: found.holds,
                says: found.says,
                at_us: found.at_us,
                holds_without_actions: without,
                also_broken,
                link: format!("#{}", recipe.to_query()),
            })
        })
        .collect::<Result<_, LinkError>>()?;
    if let Some(c) = &lesson.challenge {
        let solution = Recipe::from_query(&c.solution)?;
        let found = check_run(&solution, &c.parsed_goal)?;
        let start = Recipe {
            at_us: solution.at_us,
            ..Recipe::from_query(&c.run)?
        };
        let alone = check_run(&start, &c.parsed_goal)?;
        checked.push(Checked {
            step: format!("Challenge: {}", c.title),
            holds: found.holds,
            says: found.says,
            at_us: found.at_us,
            holds_without_actions: Some(alone.holds),
            also_broken: Vec::new(),
            link: format!("#{}", solution.to_query()),
        });
    }
    Ok(checked)
}

/// Every built-in lesson, read.
pub fn builtin() -> Vec<Lesson> {
    BUILTIN
        .iter()
        .map(|(file, text)| parse(text).unwrap_or_else(|e| panic!("{file}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests;
