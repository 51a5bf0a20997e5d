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
