use super::*;

#[test]
fn every_builtin_lesson_reads_and_every_claim_holds_only_with_its_actions() {
    for lesson in builtin() {
        assert!(lesson.steps.len() >= 2, "{}", lesson.name);
        assert!(
            lesson.steps.iter().any(|s| s.question.is_some()),
            "{}",
            lesson.name
        );
        assert!(
            lesson.challenge.is_some(),
            "{} has no challenge",
            lesson.name
        );
        for c in check(&lesson).unwrap() {
            assert!(c.ok(), "{} / {}: {c:?}", lesson.name, c.step);
        }
    }
}

/// The page fetches a lesson by its name from `lessons/NAME.md`, so a lesson's own name is
/// its file's, and no two lessons share one.
#[test]
fn every_builtin_lesson_is_named_as_its_file() {
    let lessons = builtin();
    assert_eq!(lessons.len(), NAMES.len());
    for (lesson, name) in lessons.iter().zip(NAMES) {
        assert_eq!(lesson.name, *name);
    }
    let mut names = NAMES.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), NAMES.len(), "a lesson is listed twice");
}

#[test]
fn a_broken_lesson_is_refused_with_its_line() {
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=5\nclaim: safety is fine\n";
    assert!(parse(bad)
        .unwrap_err()
        .to_string()
        .starts_with("line 8: unknown claim"));
    let bad = "---\nname: x\ntopic: nowhere\ntitle: X\n---\n";
    assert!(parse(bad)
        .unwrap_err()
        .to_string()
        .contains("unknown topic"));
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=abc\nclaim: safety holds\n";
    assert!(parse(bad)
        .unwrap_err()
        .to_string()
        .starts_with("line 7: its run:"));
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=5\nclaim: safety holds\nquestion: Q?\nchoice: a\nchoice: b\n";
    assert!(parse(bad)
        .unwrap_err()
        .to_string()
        .contains("one written choice*"));
}

/// A claim that does not hold is reported as such (the check can fail).
#[test]
fn a_claim_that_the_run_does_not_show_fails() {
    let calm = Recipe::from_query("v=1&protocol=two-generals&nodes=2&seed=1&t=6s").unwrap();
    let alike = Claim::parse("end broken the generals decide alike").unwrap();
    assert!(!check_run(&calm, &alike).unwrap().holds);
    let lesson = parse("---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&protocol=two-generals&nodes=2&seed=1&t=6s\nclaim: end broken the generals decide alike\n# Step: two\nrun: v=1&nodes=5&seed=1&actions=1s@crash:1:keep&t=2s\nclaim: event crashed\n").unwrap();
    let checked = check(&lesson).unwrap();
    assert!(!checked[0].ok());
    // Crashes happen only with the step's actions: the contrast holds.
    assert!(checked[1].ok(), "{:?}", checked[1]);
    assert_eq!(checked[1].holds_without_actions, Some(false));
}

#[test]
fn leaders_at_once_are_watched_through_the_run() {
    let split = Recipe::from_query(
        "v=1&protocol=primary-backup&nodes=5&seed=1&actions=2s@partition:0-1/2-3-4&t=5s",
    )
    .unwrap();
    let claim = Claim::parse("leaders at once at least 2").unwrap();
    assert!(check_run(&split, &claim).unwrap().holds);
    let calm = Recipe {
        schedule: Vec::new(),
        ..split
    };
    assert!(!check_run(&calm, &claim).unwrap().holds);
}

#[test]
fn a_challenge_is_read_and_its_solution_checked_against_its_start() {
    let text = "---\nname: x\ntopic: leaders-epochs\ntitle: X\n---\n# Step: one\nrun: v=1&protocol=primary-backup&nodes=3&seed=1&t=2s\nclaim: safety holds\ncontrast: no\n# Challenge: Two primaries\nrun: v=1&protocol=primary-backup&nodes=3&seed=1\ngoal: leaders at once at least 2\nsolution: v=1&protocol=primary-backup&nodes=3&seed=1&actions=2s@partition:0/1-2&t=5s\nhint: Cut the primary off.\nMake two nodes act as primary.\n";
    let lesson = parse(text).unwrap();
    let c = lesson.challenge.as_ref().unwrap();
    assert_eq!(c.title, "Two primaries");
    assert_eq!(c.text, "Make two nodes act as primary.");
    assert_eq!(c.hints, vec!["Cut the primary off."]);
    let checked = check(&lesson).unwrap();
    assert_eq!(checked.len(), 2);
    assert!(checked[1].ok(), "{:?}", checked[1]);
    assert_eq!(checked[1].holds_without_actions, Some(false));
    // A solution that does not reach the goal is caught.
    let lazy = text.replace("&actions=2s@partition:0/1-2", "");
    assert!(!check(&parse(&lazy).unwrap()).unwrap()[1].ok());
    // Steps after the challenge, or a challenge without a solution, are refused.
    let late = format!("{text}# Step: late\nrun: v=1\nclaim: safety holds\n");
    assert!(parse(&late)
        .unwrap_err()
        .to_string()
        .contains("the challenge comes last"));
    let unsolved = text.replace("solution:", "hint:");
    assert!(parse(&unsolved)
        .unwrap_err()
        .to_string()
        .contains("has no solution"));
}

/// The claims about what the clients and the replicas end up with: writes lost to a clock
/// that runs behind, siblings kept by version vectors, replicas that disagree, and the
/// share of operations answered on one side.
#[test]
fn claims_about_lost_writes_siblings_replicas_and_availability() {
    let holds = |query: &str, claim: &str| {
        let recipe = Recipe::from_query(query).unwrap();
        check_run(&recipe, &Claim::parse(claim).unwrap())
            .unwrap()
            .holds
    };
    // n3's clock runs a second behind: its later write loses to n0's earlier one.
    let skewed = "v=1&protocol=quorum&nodes=5&seed=1&load=0&r=3&w=3&actions=0.5s@skew:3:-1s,1s@client:0:put:1:10,1.5s@client:3:put:1:20,2s@client:4:get:1&t=3s";
    assert!(holds(skewed, "acknowledged writes lost at least 1"));
    assert!(!holds(
        &skewed.replace("0.5s@skew:3:-1s,", ""),
        "acknowledged writes lost at least 1"
    ));
    // Version vectors keep both writes made on the two sides of a partition.
    let split = "v=1&protocol=quorum&nodes=5&seed=1&load=0&conflict=vv&actions=0.5s@partition:0-1/2-3-4,1s@client:0:put:1:10,1.5s@client:3:put:1:20,2s@heal,2.5s@client:4:get:1&t=3s";
    assert!(holds(split, "siblings at least 2"));
    assert!(!holds(split, "siblings at least 3"));
    assert!(!holds(
        &split.replace("conflict=vv", "conflict=lww"),
        "siblings at least 2"
    ));
    // Before the heal, each side holds its own write.
    let apart = split.replace("t=3s", "t=1.8s");
    assert!(holds(&apart, "replicas disagree"));
    assert!(!holds(&apart, "replicas agree"));
    assert!(holds(split, "replicas agree"));
    // A write still on its way at the moment (n3's, at 10 s) is not a disagreement.
    let healed =
        "v=1&protocol=quorum&nodes=5&seed=1&load=20&actions=2s@partition:0-1/2-3-4,6s@heal&t=10s";
    assert!(holds(healed, "replicas agree"));
    // Clients stopped at the heal: nothing carries either side's writes across.
    assert!(holds(
        &healed.replace("6s@heal", "6s@heal,6s@load:0"),
        "replicas disagree"
    ));
    // Raft answers nothing on the cut-off side; the quorum store with R = W = 1 everything.
    let raft = "v=1&nodes=5&seed=1&load=50&actions=2s@partition:0-1&t=6s";
    assert!(holds(raft, "availability on 0-1 during 3s-6s at most 5%"));
    assert!(!holds(
        raft,
        "availability on 0-1 during 3s-6s at least 50%"
    ));
    assert!(holds(
        raft,
        "availability on 2-3-4 during 3s-6s at least 90%"
    ));
    let quorum = raft.replace("v=1&", "v=1&protocol=quorum&");
    assert!(holds(
        &quorum,
        "availability on 0-1 during 3s-6s at least 99%"
    ));
    // No operation in the window: the claim cannot hold either way.
    assert!(!holds(
        raft,
        "availability on 0-1 during 7s-8s at most 100%"
    ));
    for bad in [
        "availability on 0-1 at most 5%",
        "availability on 0-1 during 6s-3s at most 5%",
        "availability on 0-1 during 3s-6s at most 500%",
        "availability on a-b during 3s-6s at most 5%",
        "siblings at least two",
    ] {
        assert!(Claim::parse(bad).is_err(), "{bad}");
    }
}

/// Uptime and answered operations over the whole run, and the uptime against what the
/// failure rates predict.
#[test]
fn claims_about_uptime_answers_and_the_formula() {
    let holds = |query: &str, claim: &str| {
        let recipe = Recipe::from_query(query).unwrap();
        check_run(&recipe, &Claim::parse(claim).unwrap())
            .unwrap()
            .holds
    };
    // One server up 9 s and down 1 s on average: about 90% of the time.
    let single = "v=1&protocol=rpc&nodes=2&seed=3&failures=9s:1s&t=600s";
    assert!(holds(single, "uptime at least 85%"));
    assert!(!holds(single, "uptime at least 95%"));
    assert!(holds(single, "uptime at most 95%"));
    assert!(holds(single, "uptime within 3 points of the formula"));
    assert!(!holds(single, "uptime within 0.001 points of the formula"));
    // Without random failures there is no formula to be near, and the service never stops.
    let calm = "v=1&nodes=5&seed=3&t=30s";
    assert!(!holds(calm, "uptime within 100 points of the formula"));
    assert!(holds(calm, "uptime at least 100%"));
    assert!(holds(calm, "answered at least 99%"));
    // Raft's clients lose more than its majority's downtime: every leader failure costs an
    // election.
    let raft = "v=1&nodes=5&seed=3&failures=9s:1s&t=300s";
    assert!(holds(raft, "uptime at least 99%"));
    assert!(holds(raft, "answered at most 95%"));
    for bad in [
        "uptime at least 101%",
        "uptime at least 99.9999%",
        "uptime around 99%",
        "answered at least most",
        "uptime within 1 points",
    ] {
        assert!(Claim::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Claim::parse("uptime at least 99.95%").unwrap().describe(),
        "the service can answer at least 99.95% of the time"
    );
}

/// Retries bunch up while no leader can answer (the first election) when clients retry on
/// a fixed delay; without clients there are none, and "at most" is judged the other way.
#[test]
fn retries_within_a_window_are_counted() {
    let busy = Recipe::from_query("v=1&nodes=5&seed=1&load=200&retry=fixed100ms~10&t=2s").unwrap();
    let storm = Claim::parse("retries within 100ms at least 30").unwrap();
    let found = check_run(&busy, &storm).unwrap();
    assert!(found.holds, "{found:?}");
    assert!(found.at_us.is_some(), "{found:?}");
    let idle = Recipe::from_query("v=1&nodes=5&seed=1&load=0&t=2s").unwrap();
    assert!(!check_run(&idle, &storm).unwrap().holds);
    let quiet = Claim::parse("retries within 100ms at most 0").unwrap();
    assert!(check_run(&idle, &quiet).unwrap().holds);
    assert!(!check_run(&busy, &quiet).unwrap().holds);
    assert!(Claim::parse("retries within soon at least 3").is_err());
}

#[test]
fn a_step_may_ask_for_the_cap_comparison_and_nothing_else() {
    let text = |view: &str| {
        format!("---\nname: x\ntopic: cap\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=3&seed=1&t=1s\nclaim: safety holds\ncontrast: no\nview: {view}\n")
    };
    let lesson = parse(&text("cap")).unwrap();
    assert_eq!(lesson.steps[0].view.as_deref(), Some("cap"));
    assert!(parse(&text("graph"))
        .unwrap_err()
        .to_string()
        .starts_with("line 10: view is one of cap"));
    assert!(builtin()
        .iter()
        .any(|l| l.steps.iter().any(|s| s.view.is_some())));
}

/// The two retry steps are each other's contrast: the storm is not in the jittered run,
/// and the calm is not in the lockstep run.
#[test]
fn the_retry_storm_and_its_cure_each_fail_on_the_others_run() {
    let lesson = builtin().into_iter().find(|l| l.name == "retries").unwrap();
    let step = |title: &str| lesson.steps.iter().find(|s| s.title == title).unwrap();
    let (storm, cure) = (step("Clients in lockstep"), step("Backoff with jitter"));
    let run = |s: &Step| Recipe::from_query(&s.run).unwrap();
    assert!(check_run(&run(storm), &storm.parsed_claim).unwrap().holds);
    assert!(check_run(&run(cure), &cure.parsed_claim).unwrap().holds);
    assert!(!check_run(&run(cure), &storm.parsed_claim).unwrap().holds);
    assert!(!check_run(&run(storm), &cure.parsed_claim).unwrap().holds);
}

#[test]
fn a_measure_claim_reads_its_bound_in_the_measure_s_unit() {
    let crash = Recipe::from_query(
        "v=1&protocol=failure-detector&nodes=4&seed=1&actions=1s@crash:3:keep&t=3s",
    )
    .unwrap();
    let holds = |claim: &str| check_run(&crash, &Claim::parse(claim).unwrap()).unwrap();
    assert!(holds("measure detection time at most 300ms").holds);
    assert!(!holds("measure detection time at most 100ms").holds);
    assert!(holds("measure \"wrong suspicions\" at most 0").holds);
    assert!(holds("measure wrong suspicions per minute at most 0.5").holds);
    assert!(!holds("measure wrong suspicions per minute at least 0.001").holds);
    // A bound in the wrong unit, and a measure the run does not have, are said so.
    let wrong = holds("measure wrong suspicions at most 2s");
    assert!(
        !wrong.holds && wrong.says.contains("not a whole number"),
        "{wrong:?}"
    );
    let rate = holds("measure wrong suspicions per minute at most 1.2345");
    assert!(rate.says.contains("not a rate such as 2.5"), "{rate:?}");
    let none = holds("measure goodput at least 3");
    assert!(
        !none.holds && none.says.contains("measures no \"goodput\""),
        "{none:?}"
    );
    assert!(Claim::parse("measure detection time").is_err());
}

#[test]
fn an_also_claim_that_the_run_does_not_show_fails_the_step() {
    let text = |also: &str| {
        format!("---\nname: x\ntopic: failure-detection\ntitle: X\n---\n# Step: one\nrun: v=1&protocol=failure-detector&nodes=4&seed=1&actions=1s@crash:3:keep&t=3s\nclaim: measure slowest detection at most 300ms\nalso: {also}\n")
    };
    let right = check(&parse(&text("measure wrong suspicions at most 0")).unwrap()).unwrap();
    assert!(right[0].ok(), "{:?}", right[0]);
    let wrong = check(&parse(&text("measure detection time at most 100ms")).unwrap()).unwrap();
    assert!(!wrong[0].ok());
    assert_eq!(
        wrong[0].also_broken,
        ["measure detection time at most 100ms: detection time is 206 ms"]
    );
    assert!(parse(&text("measure nothing"))
        .unwrap_err()
        .to_string()
        .starts_with("line 9:"));
}

#[test]
fn a_search_claim_is_judged_by_searching_the_set_up() {
    let claim = |text: &str| Claim::parse(text);
    assert_eq!(
        claim("search finds nothing in 20 runs of 2s"),
        Ok(Claim::Search {
            finds: false,
            property: None,
            runs: 20,
            until_us: 2 * crate::time::MICROS_PER_SEC,
        })
    );
    assert!(matches!(
        claim("search finds election safety within 1000 runs of 10s"),
        Ok(Claim::Search { finds: true, property: Some(p), runs: 1000, .. }) if p == "election safety"
    ));
    for bad in [
        "search finds nothing in 0 runs of 2s",
        "search finds any within many runs of 2s",
        "search finds any within 10 runs",
    ] {
        assert!(claim(bad).is_err(), "{bad}");
    }
    // Paxos with forget-promise breaks on the 15th run from seed 1; the correct form does
    // not break in as many. A search ignores the step's actions.
    let buggy = Recipe::from_query(
        "v=1&protocol=paxos&nodes=5&seed=1&bugs=forget-promise&actions=1s@crash:0:keep",
    )
    .unwrap();
    let found = check_run(
        &buggy,
        &claim("search finds only one value is chosen within 20 runs of 10s").unwrap(),
    )
    .unwrap();
    assert!(found.holds, "{}", found.says);
    assert!(found.says.contains("in run 15 of 20"), "{}", found.says);
    let other = check_run(
        &buggy,
        &claim("search finds every node learns the chosen value within 20 runs of 10s").unwrap(),
    )
    .unwrap();
    assert!(!other.holds, "another property named: {}", other.says);
    let fewer = check_run(
        &buggy,
        &claim("search finds any within 14 runs of 10s").unwrap(),
    )
    .unwrap();
    assert!(!fewer.holds, "{}", fewer.says);
    let correct = Recipe::from_query("v=1&protocol=paxos&nodes=5&seed=1").unwrap();
    let clean = check_run(
        &correct,
        &claim("search finds nothing in 20 runs of 10s").unwrap(),
    )
    .unwrap();
    assert!(clean.holds, "{}", clean.says);
    assert!(
        !check_run(
            &correct,
            &claim("search finds any within 20 runs of 10s").unwrap()
        )
        .unwrap()
        .holds
    );
}
