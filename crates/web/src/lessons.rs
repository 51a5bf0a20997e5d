//! The lessons compiled into the page (the core's `lesson` module reads them), where the
//! reader is in one (`#lesson=NAME&step=K`, or `step=challenge`), and the reader's
//! progress, kept in the tab's session storage: which steps were seen, which questions were
//! answered and how, which challenges were won.

use splitbrain_core::lesson::{self, Lesson};
use splitbrain_core::recipe::Recipe;
use std::sync::OnceLock;

/// Every built-in lesson, read once.
pub fn all() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(lesson::builtin)
}

pub fn find(name: &str) -> Option<&'static Lesson> {
    all().iter().find(|l| l.name == name)
}

/// The course topic's title.
pub fn topic_title(id: &str) -> &'static str {
    lesson::TOPICS
        .iter()
        .find(|(t, _)| *t == id)
        .map_or("", |(_, title)| title)
}

/// A place in a lesson: one of its steps, or (at `steps.len()`) its challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonAt {
    pub lesson: &'static Lesson,
    pub index: usize,
}

impl LessonAt {
    /// Reads `lesson=NAME` and `step=K` (from 1) or `step=challenge`.
    pub fn parse(name: &str, step: Option<&str>) -> Result<LessonAt, String> {
        let lesson = find(name).ok_or_else(|| {
            let names: Vec<&str> = all().iter().map(|l| l.name.as_str()).collect();
            format!(
                "there is no lesson \"{name}\" (lessons: {})",
                names.join(", ")
            )
        })?;
        let index = match step {
            None => 0,
            Some("challenge") if lesson.challenge.is_some() => lesson.steps.len(),
            Some(k) => k
                .parse::<usize>()
                .ok()
                .filter(|k| (1..=lesson.steps.len()).contains(k))
                .map(|k| k - 1)
                .ok_or_else(|| {
                    format!(
                        "the lesson \"{name}\" has steps 1 to {}{}, not \"{k}\"",
                        lesson.steps.len(),
                        if lesson.challenge.is_some() {
                            " and a challenge"
                        } else {
                            ""
                        }
                    )
                })?,
        };
        Ok(LessonAt { lesson, index })
    }

    pub fn first(lesson: &'static Lesson) -> LessonAt {
        LessonAt { lesson, index: 0 }
    }

    /// The place's part of a link.
    pub fn query(&self) -> String {
        format!("lesson={}&step={}", self.lesson.name, self.step_name())
    }

    /// `1`, `2`, … or `challenge`.
    pub fn step_name(&self) -> String {
        if self.is_challenge() {
            "challenge".into()
        } else {
            (self.index + 1).to_string()
        }
    }

    pub fn is_challenge(&self) -> bool {
        self.index >= self.lesson.steps.len()
    }

    /// How many places the lesson has: its steps and its challenge.
    pub fn count(&self) -> usize {
        self.lesson.steps.len() + usize::from(self.lesson.challenge.is_some())
    }

    pub fn step(&self) -> Option<&'static lesson::Step> {
        self.lesson.steps.get(self.index)
    }

    pub fn challenge(&self) -> Option<&'static lesson::Challenge> {
        self.lesson
            .challenge
            .as_ref()
            .filter(|_| self.is_challenge())
    }

    pub fn go(&self, index: usize) -> Option<LessonAt> {
        (index < self.count()).then_some(LessonAt {
            lesson: self.lesson,
            index,
        })
    }

    /// The run this place shows, as its lesson gives it.
    pub fn recipe(&self) -> Recipe {
        let run = match (self.step(), self.challenge()) {
            (Some(step), _) => step.run.as_str(),
            (None, Some(challenge)) => challenge.run.as_str(),
            (None, None) => "",
        };
        // Every built-in lesson's runs are read by the core's tests.
        Recipe::from_query(run).unwrap_or_default()
    }

    /// The run without its moment, to compare with the run on screen.
    pub fn recipe_without_moment(&self) -> Recipe {
        Recipe {
            at_us: None,
            ..self.recipe()
        }
    }

    /// Where the step's run stops for the reader to look (a challenge never stops).
    pub fn until(&self) -> Option<u64> {
        self.step()
            .map(|_| self.recipe().at_us.unwrap_or(lesson::DEFAULT_UNTIL_US))
    }

    /// The title shown in the tab: the step and the lesson.
    pub fn tab_title(&self) -> String {
        let place = match (self.step(), self.challenge()) {
            (Some(s), _) => format!(
                "Step {} of {}: {}",
                self.index + 1,
                self.lesson.steps.len(),
                s.title
            ),
            (None, Some(c)) => format!("Challenge: {}", c.title),
            (None, None) => String::new(),
        };
        format!("{place} · {} · splitbrain", self.lesson.title)
    }
}

/// The reader's progress through the lessons, in this tab.
pub mod progress {
    const KEY: &str = "splitbrain.progress";

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    fn entries() -> Vec<String> {
        storage()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn put(entry: String, replacing: &str) {
        let Some(s) = storage() else { return };
        let mut all = entries();
        all.retain(|e| !e.starts_with(replacing));
        all.push(entry);
        s.set_item(KEY, &all.join("\n")).ok();
    }

    /// `seen lesson/step`, `answer lesson/step=K`, `won lesson`.
    fn key(kind: &str, lesson: &str, step: &str) -> String {
        format!("{kind} {lesson}/{step}")
    }

    pub fn mark_seen(lesson: &str, step: &str) {
        let k = key("seen", lesson, step);
        put(k.clone(), &k);
    }

    pub fn seen(lesson: &str, step: &str) -> bool {
        entries().contains(&key("seen", lesson, step))
    }

    pub fn set_answer(lesson: &str, step: &str, choice: usize) {
        let k = key("answer", lesson, step);
        put(format!("{k}={choice}"), &format!("{k}="));
    }

    pub fn answer(lesson: &str, step: &str) -> Option<usize> {
        let k = format!("{}=", key("answer", lesson, step));
        entries()
            .iter()
            .find_map(|e| e.strip_prefix(&k).and_then(|c| c.parse().ok()))
    }

    pub fn mark_won(lesson: &str) {
        let k = key("won", lesson, "challenge");
        put(k.clone(), &k);
    }

    pub fn won(lesson: &str) -> bool {
        entries().contains(&key("won", lesson, "challenge"))
    }
}
