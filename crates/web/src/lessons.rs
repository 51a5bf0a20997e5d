//! The course's lessons, fetched as files when the page first needs them (the core's
//! `lesson` module reads them), where the reader is in one (`#lesson=NAME&step=K`, or
//! `step=challenge`), and the reader's progress, kept in the tab's session storage: which
//! steps were seen, which questions were answered and how, which challenges were won.
//!
//! The lessons' texts are not compiled into the page: they are the files `lessons/NAME.md`
//! served beside it (Trunk copies the folder), one per name in the core's
//! `lesson::NAMES`. A page opened on a lesson or the course map waits for them; any other
//! page draws its run first and fetches them behind it.

use splitbrain_core::lesson::{self, Lesson};
use splitbrain_core::recipe::Recipe;
use std::sync::OnceLock;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();

/// Every lesson, once fetched; none before.
pub fn all() -> &'static [Lesson] {
    LESSONS.get().map_or(&[], Vec::as_slice)
}

/// Whether the lessons have been fetched.
pub fn loaded() -> bool {
    LESSONS.get().is_some()
}

#[wasm_bindgen(
    inline_js = "export function lesson_url(name) { return new URL('../../lessons/' + name + '.md', import.meta.url).href; }"
)]
extern "C" {
    /// Where a lesson's file is: beside the page, found from this module's own address (a
    /// snippet's, two folders down), so that course notes mounting playgrounds from
    /// another folder fetch from where the module is served.
    fn lesson_url(name: &str) -> String;
}

/// The text of a fetched file, or why there is none.
async fn text_of(url: &str, response: Result<JsValue, JsValue>) -> Result<String, String> {
    let response: web_sys::Response = response
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or_else(|| format!("{url} could not be fetched"))?;
    if !response.ok() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let text = response.text().map_err(|_| format!("{url} has no text"))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| format!("{url} could not be read"))
}

/// Fetches and reads every lesson, the files side by side; does nothing once they are
/// here. The error says which file could not be had or read.
pub async fn load() -> Result<(), String> {
    if loaded() {
        return Ok(());
    }
    let window = web_sys::window().ok_or("there is no window")?;
    // Every request is sent before the first answer is awaited.
    let pending: Vec<(&str, String, JsFuture)> = lesson::NAMES
        .iter()
        .map(|name| {
            let url = lesson_url(name);
            let answer = JsFuture::from(window.fetch_with_str(&url));
            (*name, url, answer)
        })
        .collect();
    let mut lessons = Vec::with_capacity(pending.len());
    for (name, url, answer) in pending {
        let text = text_of(&url, answer.await).await?;
        let read = lesson::parse(&text)
            .map_err(|e| format!("the lesson {name} could not be read: {e}"))?;
        lessons.push(read);
    }
    // Two loads at once both fetch; the first to finish is kept.
    let _ = LESSONS.set(lessons);
    Ok(())
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
        if !loaded() {
            return Err(
                "the lessons have not been loaded yet (from JavaScript: await loadLessons() before mounting a lesson)"
                    .into(),
            );
        }
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
