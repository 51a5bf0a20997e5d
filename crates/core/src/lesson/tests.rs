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
        for c in check(&lesson).unwrap() {
            assert!(c.ok(), "{} / {}: {c:?}", lesson.name, c.step);
        }
    }
}

#[test]
fn a_broken_lesson_is_refused_with_its_line() {
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=5\nclaim: safety is fine\n";
    assert!(parse(bad).unwrap_err().starts_with("line 8: unknown claim"));
    let bad = "---\nname: x\ntopic: nowhere\ntitle: X\n---\n";
    assert!(parse(bad).unwrap_err().contains("unknown topic"));
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=abc\nclaim: safety holds\n";
    assert!(parse(bad).unwrap_err().starts_with("line 7: its run:"));
    let bad = "---\nname: x\ntopic: two-generals\ntitle: X\n---\n# Step: one\nrun: v=1&nodes=5\nclaim: safety holds\nquestion: Q?\nchoice: a\nchoice: b\n";
    assert!(parse(bad).unwrap_err().contains("one written choice*"));
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
        .contains("the challenge comes last"));
    let unsolved = text.replace("solution:", "hint:");
    assert!(parse(&unsolved).unwrap_err().contains("has no solution"));
}
