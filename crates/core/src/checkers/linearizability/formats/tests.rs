//! Histories written by hand in each format, with known verdicts.
use super::*;
use crate::checkers::linearizability::{check, Verdict};

fn verdict(records: &[ClientRecord]) -> Verdict {
    check(records).verdict
}

fn edn(text: &str) -> Verdict {
    verdict(&read_edn(text).unwrap())
}

#[test]
fn a_register_history_in_edn_is_read_and_judged() {
    let fine = r#"
        {:type :invoke, :f :write, :value 1, :process 0, :time 10}
        {:type :ok, :f :write, :value 1, :process 0}
        {:type :invoke, :f :read, :value nil, :process 1}
        {:type :ok, :f :read, :value 1, :process 1}
        {:type :invoke, :f :cas, :value [1 2], :process 0}
        {:type :ok, :f :cas, :value [1 2], :process 0}
        {:type :invoke, :f :read, :value nil, :process 1}
        {:type :ok, :f :read, :value 2, :process 1}
    "#;
    assert_eq!(edn(fine), Verdict::Linearizable);
    let records = read_edn(fine).unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(
        records[2].op,
        KvOp::Cas {
            key: 0,
            expect: Some(1),
            new: 2
        }
    );
    assert_eq!(
        (records[2].invoked_at, records[2].completed_at),
        (4, Some(5))
    );
    // A read of a value never written.
    let stale = fine.replace(":ok, :f :read, :value 2", ":ok, :f :read, :value 7");
    assert_eq!(edn(&stale), Verdict::NotLinearizable);
    // The same as one vector, with commas and a comment.
    let vector = format!("; a history\n[{}]", fine.replace('\n', ","));
    assert_eq!(read_edn(&vector).unwrap(), records);
}

/// Two histories that differ only in which compare-and-set failed: one that expected
/// the value the register surely held cannot have failed.
#[test]
fn a_failed_compare_and_set_says_the_register_held_another_value() {
    let history = |expect: u64| {
        format!(
            r#"{{:type :invoke, :f :write, :value 1, :process 0}}
            {{:type :ok, :f :write, :value 1, :process 0}}
            {{:type :invoke, :f :cas, :value [{expect} 2], :process 1}}
            {{:type :fail, :f :cas, :value [{expect} 2], :process 1}}
            {{:type :invoke, :f :read, :value nil, :process 0}}
            {{:type :ok, :f :read, :value 1, :process 0}}"#
        )
    };
    assert_eq!(edn(&history(3)), Verdict::Linearizable);
    assert_eq!(edn(&history(1)), Verdict::NotLinearizable);
    let records = read_edn(&history(1)).unwrap();
    assert_eq!(
        records[1].outcome,
        Outcome::Done {
            result: KvResult::CasRefused
        }
    );
    // A write whose outcome is unknown, concurrent with the cas, could explain it.
    let explained = history(1).replace(
        "{:type :invoke, :f :cas",
        "{:type :invoke, :f :write, :value 5, :process 2}\n{:type :info, :f :write, :value 5, :process 2}\n{:type :invoke, :f :cas",
    );
    assert_eq!(
        edn(&explained),
        Verdict::NotLinearizable,
        "the read of 1 comes after"
    );
    let later_read_of_5 = history(1).replace(
        "{:type :invoke, :f :cas",
        "{:type :invoke, :f :write, :value 5, :process 2}\n{:type :info, :f :write, :value 5, :process 2}\n{:type :invoke, :f :cas",
    )
    .replace(":ok, :f :read, :value 1", ":ok, :f :read, :value 5");
    assert_eq!(edn(&later_read_of_5), Verdict::Linearizable);
    // Without the read, the unknown write of 5, which nobody reads, explains the
    // failure on its own (the checker must not drop it as unobserved).
    let unread: String = later_read_of_5
        .lines()
        .filter(|l| !l.contains(":f :read"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(edn(&unread), Verdict::Linearizable);
}

#[test]
fn info_and_missing_completions_are_unknown_and_failures_did_not_happen() {
    let history = |read: u64| {
        format!(
            r#"{{:type :invoke, :f :write, :value 2, :process 0}}
            {{:type :info, :f :write, :value 2, :process 0}}
            {{:type :invoke, :f :write, :value 3, :process 5}}
            {{:type :fail, :f :write, :value 3, :process 5}}
            {{:type :invoke, :f :read, :value nil, :process 1}}
            {{:type :ok, :f :read, :value {read}, :process 1}}
            {{:type :invoke, :f :write, :value 4, :process 2}}
            {{:type :invoke, :f :write, :value 9, :process :nemesis}}"#
        )
    };
    assert_eq!(edn(&history(2)), Verdict::Linearizable);
    assert_eq!(
        edn(&history(3)),
        Verdict::NotLinearizable,
        "a failed write happened"
    );
    let records = read_edn(&history(2)).unwrap();
    assert_eq!(records.len(), 4, "the nemesis is left out");
    assert_eq!(records[0].outcome, Outcome::TimedOut);
    assert_eq!(records[3].outcome, Outcome::Pending);
}

#[test]
fn keyed_registers_as_the_independent_checker_writes_them() {
    let history = |y: u64| {
        format!(
            r#"[{{:type :invoke, :f :write, :value [:x 1], :process 0}}
            {{:type :ok, :f :write, :value [:x 1], :process 0}}
            {{:type :invoke, :f :write, :value [:y 5], :process 1}}
            {{:type :ok, :f :write, :value [:y 5], :process 1}}
            {{:type :invoke, :f :cas, :value [:x [1 6]], :process 0}}
            {{:type :ok, :f :cas, :value [:x [1 6]], :process 0}}
            {{:type :invoke, :f :read, :value [:y nil], :process 1}}
            {{:type :ok, :f :read, :value [:y {y}], :process 1}}]"#
        )
    };
    assert_eq!(edn(&history(5)), Verdict::Linearizable);
    assert_eq!(edn(&history(6)), Verdict::NotLinearizable, "6 went to x");
    let records = read_edn(&history(5)).unwrap();
    assert_eq!(
        records[2].op,
        KvOp::Cas {
            key: 0,
            expect: Some(1),
            new: 6
        }
    );
    assert_eq!(records[3].op, KvOp::Get { key: 1 });
}

#[test]
fn porcupines_logs_are_read() {
    let etcd = "INFO  jepsen.util - 0\t:invoke\t:write\t3\n\
                INFO  jepsen.util - 0\t:ok\t:write\t3\n\
                INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n\
                INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]\n\
                INFO  jepsen.util - 2\t:invoke\t:read\tnil\n\
                INFO  jepsen.util - 1\t:fail\t:cas\t[3 4]\n\
                INFO  jepsen.util - 2\t:ok\t:read\t3\n";
    assert_eq!(Format::detect(etcd), Format::JepsenLog);
    let records = read_jepsen_log(etcd).unwrap();
    assert_eq!(records.len(), 3);
    // The cas failed while the register held 3 it expected: impossible.
    assert_eq!(verdict(&records), Verdict::NotLinearizable);
    assert_eq!(
        verdict(&read_jepsen_log(&etcd.replace("[3 4]", "[7 4]")).unwrap()),
        Verdict::Linearizable
    );
    let kv = r#"{:process 0, :type :invoke, :f :put, :key "a", :value "7"}
        {:process 0, :type :ok, :f :put, :key "a", :value "7"}
        {:process 1, :type :invoke, :f :get, :key "a", :value nil}
        {:process 1, :type :ok, :f :get, :key "a", :value "7"}
        {:process 1, :type :invoke, :f :get, :key "b", :value nil}
        {:process 1, :type :ok, :f :get, :key "b", :value nil}"#;
    assert_eq!(Format::detect(kv), Format::Edn);
    assert_eq!(edn(kv), Verdict::Linearizable);
    assert_eq!(
        edn(&kv.replace(r#":key "b", :value nil}"#, r#":key "b", :value "7"}"#)),
        Verdict::NotLinearizable
    );
}

#[test]
fn broken_histories_are_refused_with_the_place() {
    for (text, says) in [
        ("{:type :invoke, :f :read", "line 1: a '{' is never closed"),
        (
            "{:type :invoke, :f :append, :value [1 2], :process 0}",
            ":append is not a register operation",
        ),
        (
            "{:type :ok, :f :read, :value 1, :process 3}",
            "process 3 completes an operation it never invoked",
        ),
        (
            "{:type :invoke, :f :write, :value -1, :process 0}",
            "is not a whole number",
        ),
        ("{:f :read, :process 0}", "no :type keyword"),
        (
            "{:type :invoke, :f :read, :process 0}\n{:type :invoke, :f :read, :process 0}",
            "invokes again",
        ),
    ] {
        let err = read_edn(text).unwrap_err().to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
    assert_eq!(Format::detect("[{\"id\": 0}]"), Format::Json);
    assert_eq!(Format::detect("[{:type :invoke}]"), Format::Edn);
    assert!(Format::parse("csv")
        .unwrap_err()
        .to_string()
        .contains("known: json, edn, jepsen-log"));
}
