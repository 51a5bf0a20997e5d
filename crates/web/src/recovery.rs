//! A run as text: its set-up and its actions in the form of a URL query
//! (`nodes=5&seed=1&bugs=forget-vote&load=5&net=...&actions=1.5s@crash:2:keep,...`; the
//! action format is the core's `recipe`). The page keeps the current run in the tab's
//! session storage after every change, so that after a crash the overlay can start the
//! same run again: a panic aborts the WebAssembly instance, so nothing can be read out of
//! it afterwards.

use crate::state::Setup;
use splitbrain_core::action::{validate_schedule, Scheduled};
use splitbrain_core::network::LinkConfig;
use splitbrain_core::protocols::raft::RaftBug;
use splitbrain_core::recipe::{format_link, format_schedule, parse_link, parse_schedule};

const RECIPE: &str = "splitbrain.recipe";
const RESTORE: &str = "splitbrain.restore-after-error";

/// A run, as far as it can be replayed: its set-up and the actions taken in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub setup: Setup,
    pub schedule: Vec<Scheduled>,
}

impl Recipe {
    pub fn to_query(&self) -> String {
        let s = &self.setup;
        let mut q = format!("nodes={}&seed={}&load={}", s.nodes, s.seed, s.load);
        if !s.bugs.is_empty() {
            let names: Vec<&str> = s.bugs.iter().map(|b| b.name()).collect();
            q.push_str(&format!("&bugs={}", names.join(",")));
        }
        if s.link != LinkConfig::default() {
            q.push_str(&format!("&net={}", format_link(&s.link)));
        }
        if !self.schedule.is_empty() {
            q.push_str(&format!("&actions={}", format_schedule(&self.schedule)));
        }
        q
    }

    /// Reads a query; settings left out keep their defaults, unknown ones are refused.
    pub fn from_query(query: &str) -> Result<Recipe, String> {
        let mut setup = Setup::default();
        let mut schedule = Vec::new();
        for pair in query
            .trim_start_matches(['?', '#'])
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |what: &str| {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{what} must be a whole number, not {value:?}"))
            };
            match name {
                "nodes" => setup.nodes = number("nodes")? as usize,
                "seed" => setup.seed = number("seed")?,
                "load" => {
                    setup.load = u32::try_from(number("load")?)
                        .map_err(|_| format!("load {value} is too large"))?
                }
                "bugs" => {
                    setup.bugs = value
                        .split(',')
                        .filter(|b| !b.is_empty())
                        .map(RaftBug::parse)
                        .collect::<Result<_, _>>()?
                }
                "net" => setup.link = parse_link(value)?,
                "actions" => schedule = parse_schedule(value)?,
                other => return Err(format!("unknown setting {other:?}")),
            }
        }
        setup.validate()?;
        validate_schedule(&mut schedule, setup.nodes)?;
        Ok(Recipe { setup, schedule })
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn save(recipe: &Recipe) {
    if let Some(storage) = storage() {
        storage.set_item(RECIPE, &recipe.to_query()).ok();
    }
}

/// Called from the panic hook: the next load restores the saved recipe.
pub fn restore_on_next_load() {
    if let Some(storage) = storage() {
        storage.set_item(RESTORE, "1").ok();
    }
}

/// The recipe to restore after an error, if the last load ended in one. A saved recipe
/// that does not read back is reported, not trusted.
pub fn take_restore() -> Option<Result<Recipe, String>> {
    let storage = storage()?;
    storage.get_item(RESTORE).ok()??;
    storage.remove_item(RESTORE).ok();
    let text = storage.get_item(RECIPE).ok()??;
    Some(Recipe::from_query(&text))
}

pub fn forget() {
    if let Some(storage) = storage() {
        storage.remove_item(RECIPE).ok();
        storage.remove_item(RESTORE).ok();
    }
}
