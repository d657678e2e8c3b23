//! The BBS ActualLRP lifecycle: every transition row, idempotent repeats, the crash restart
//! policy on a fake clock, and evacuation.

use std::sync::Arc;
use std::time::Duration;

use emco_cluster_sim::FakeClock;
use emco_cluster_sim::lrp::{ActualLrpKey, BbsError, InstanceKey, LrpDb, NetInfo, Presence, State};

const GUID: &str = "proc-1";

fn key() -> ActualLrpKey {
    ActualLrpKey {
        process_guid: GUID.into(),
        index: 0,
        domain: "d".into(),
    }
}

fn ik(cell: &str) -> InstanceKey {
    InstanceKey {
        instance_guid: format!("ig-{cell}"),
        cell_id: cell.into(),
    }
}

fn net(cell: &str) -> NetInfo {
    NetInfo {
        address: format!("addr-{cell}"),
        ports: vec![],
        instance_address: "10.0.0.1".into(),
    }
}

#[derive(Debug, Clone, Copy)]
enum Init {
    Missing,
    Unclaimed,
    Claimed,
    Running,
    Crashed,
}

fn db_in(start: Init) -> (LrpDb, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::default());
    let db = LrpDb::new(clock.clone());
    if matches!(start, Init::Missing) {
        return (db, clock);
    }
    db.desire(key(), None);
    match start {
        Init::Claimed => db.claim(GUID, 0, &ik("a")).expect("claim"),
        Init::Running => {
            db.claim(GUID, 0, &ik("a")).expect("claim");
            db.start(&key(), &ik("a"), &net("a")).expect("start");
        }
        Init::Crashed => {
            for _ in 0..3 {
                db.claim(GUID, 0, &ik("a")).expect("claim");
                db.start(&key(), &ik("a"), &net("a")).expect("start");
                db.crash(&key(), &ik("a"), "boom").expect("crash");
            }
        }
        _ => {}
    }
    (db, clock)
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Claim(&'static str),
    Start(&'static str),
    Crash(&'static str),
    Fail,
    Remove(Option<&'static str>),
}

fn apply(db: &LrpDb, op: Op) -> Result<(), BbsError> {
    match op {
        Op::Claim(c) => db.claim(GUID, 0, &ik(c)),
        Op::Start(c) => db.start(&key(), &ik(c), &net(c)),
        Op::Crash(c) => db.crash(&key(), &ik(c), "boom"),
        Op::Fail => db.fail(&key(), "no room"),
        Op::Remove(c) => db.remove(GUID, 0, c.map(ik).as_ref()),
    }
}

/// What a row expects: the error name, or the resulting state (`None`: the record is gone).
#[derive(Debug, PartialEq)]
enum Want {
    Refused(&'static str),
    Now(Option<State>),
}

#[test]
fn every_transition_row() {
    let rows: &[(Init, Op, Want)] = &[
        (
            Init::Unclaimed,
            Op::Claim("a"),
            Want::Now(Some(State::Claimed)),
        ),
        (
            Init::Unclaimed,
            Op::Start("a"),
            Want::Now(Some(State::Running)),
        ),
        (
            Init::Unclaimed,
            Op::Crash("a"),
            Want::Refused("ActualLRPCannotBeCrashed"),
        ),
        (Init::Unclaimed, Op::Fail, Want::Now(Some(State::Unclaimed))),
        (
            Init::Unclaimed,
            Op::Remove(Some("a")),
            Want::Refused("ActualLRPCannotBeRemoved"),
        ),
        (Init::Unclaimed, Op::Remove(None), Want::Now(None)),
        (
            Init::Claimed,
            Op::Claim("a"),
            Want::Now(Some(State::Claimed)),
        ),
        (
            Init::Claimed,
            Op::Claim("b"),
            Want::Refused("ActualLRPCannotBeClaimed"),
        ),
        (
            Init::Claimed,
            Op::Start("a"),
            Want::Now(Some(State::Running)),
        ),
        (
            Init::Claimed,
            Op::Start("b"),
            Want::Now(Some(State::Running)),
        ),
        (
            Init::Claimed,
            Op::Crash("a"),
            Want::Now(Some(State::Unclaimed)),
        ),
        (
            Init::Claimed,
            Op::Crash("b"),
            Want::Refused("ActualLRPCannotBeCrashed"),
        ),
        (
            Init::Claimed,
            Op::Fail,
            Want::Refused("ActualLRPCannotBeFailed"),
        ),
        (Init::Claimed, Op::Remove(Some("a")), Want::Now(None)),
        (
            Init::Claimed,
            Op::Remove(Some("b")),
            Want::Refused("ActualLRPCannotBeRemoved"),
        ),
        (
            Init::Running,
            Op::Claim("a"),
            Want::Now(Some(State::Claimed)),
        ),
        (
            Init::Running,
            Op::Claim("b"),
            Want::Refused("ActualLRPCannotBeClaimed"),
        ),
        (
            Init::Running,
            Op::Start("a"),
            Want::Now(Some(State::Running)),
        ),
        (
            Init::Running,
            Op::Start("b"),
            Want::Refused("ActualLRPCannotBeStarted"),
        ),
        (
            Init::Running,
            Op::Crash("a"),
            Want::Now(Some(State::Unclaimed)),
        ),
        (
            Init::Running,
            Op::Crash("b"),
            Want::Refused("ActualLRPCannotBeCrashed"),
        ),
        (
            Init::Running,
            Op::Fail,
            Want::Refused("ActualLRPCannotBeFailed"),
        ),
        (Init::Running, Op::Remove(Some("a")), Want::Now(None)),
        (
            Init::Running,
            Op::Remove(Some("b")),
            Want::Refused("ActualLRPCannotBeRemoved"),
        ),
        (
            Init::Crashed,
            Op::Claim("a"),
            Want::Refused("ActualLRPCannotBeClaimed"),
        ),
        (
            Init::Crashed,
            Op::Start("a"),
            Want::Refused("ActualLRPCannotBeStarted"),
        ),
        (
            Init::Crashed,
            Op::Crash("a"),
            Want::Refused("ActualLRPCannotBeCrashed"),
        ),
        (
            Init::Crashed,
            Op::Fail,
            Want::Refused("ActualLRPCannotBeFailed"),
        ),
        (
            Init::Crashed,
            Op::Remove(Some("a")),
            Want::Refused("ActualLRPCannotBeRemoved"),
        ),
        (Init::Crashed, Op::Remove(None), Want::Now(None)),
        (
            Init::Missing,
            Op::Claim("a"),
            Want::Refused("ResourceNotFound"),
        ),
        (
            Init::Missing,
            Op::Crash("a"),
            Want::Refused("ResourceNotFound"),
        ),
        (Init::Missing, Op::Fail, Want::Refused("ResourceNotFound")),
        (
            Init::Missing,
            Op::Remove(None),
            Want::Refused("ResourceNotFound"),
        ),
        // BBS creates the record of an instance a cell reports as started.
        (
            Init::Missing,
            Op::Start("a"),
            Want::Now(Some(State::Running)),
        ),
    ];
    for (start, op, want) in rows {
        let (db, _) = db_in(*start);
        let got = match apply(&db, *op) {
            Err(e) => Want::Refused(match e.kind.as_str() {
                "ActualLRPCannotBeClaimed" => "ActualLRPCannotBeClaimed",
                "ActualLRPCannotBeStarted" => "ActualLRPCannotBeStarted",
                "ActualLRPCannotBeCrashed" => "ActualLRPCannotBeCrashed",
                "ActualLRPCannotBeFailed" => "ActualLRPCannotBeFailed",
                "ActualLRPCannotBeRemoved" => "ActualLRPCannotBeRemoved",
                "ResourceNotFound" => "ResourceNotFound",
                other => panic!("unexpected error {other}"),
            }),
            Ok(()) => Want::Now(db.get(&key(), Presence::Ordinary).map(|l| l.state)),
        };
        assert_eq!(&got, want, "{start:?} {op:?}");
    }
}

#[test]
fn repeated_claim_and_start_are_no_op_successes() {
    let (db, _) = db_in(Init::Unclaimed);
    db.claim(GUID, 0, &ik("a")).expect("claim");
    let tag = db
        .get(&key(), Presence::Ordinary)
        .expect("lrp")
        .modification_tag;
    db.claim(GUID, 0, &ik("a")).expect("repeat claim");
    assert_eq!(
        db.get(&key(), Presence::Ordinary)
            .expect("lrp")
            .modification_tag,
        tag
    );
    db.start(&key(), &ik("a"), &net("a")).expect("start");
    let tag = db
        .get(&key(), Presence::Ordinary)
        .expect("lrp")
        .modification_tag;
    db.start(&key(), &ik("a"), &net("a")).expect("repeat start");
    assert_eq!(
        db.get(&key(), Presence::Ordinary)
            .expect("lrp")
            .modification_tag,
        tag
    );
}

fn run_and_crash(db: &LrpDb) -> State {
    db.claim(GUID, 0, &ik("a")).expect("claim");
    db.start(&key(), &ik("a"), &net("a")).expect("start");
    db.crash(&key(), &ik("a"), "boom").expect("crash");
    db.get(&key(), Presence::Ordinary).expect("lrp").state
}

#[test]
fn crash_backoff_follows_bbs_on_a_fake_clock() {
    let (db, clock) = db_in(Init::Unclaimed);
    assert_eq!(
        run_and_crash(&db),
        State::Unclaimed,
        "crash 1 restarts at once"
    );
    assert_eq!(
        run_and_crash(&db),
        State::Unclaimed,
        "crash 2 restarts at once"
    );
    assert_eq!(run_and_crash(&db), State::Crashed, "crash 3 waits");
    clock.advance(Duration::from_secs(29));
    assert_eq!(db.converge(), 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(db.converge(), 1, "restarted after 30 s");
    assert_eq!(run_and_crash(&db), State::Crashed);
    clock.advance(Duration::from_secs(59));
    assert_eq!(db.converge(), 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(db.converge(), 1, "restarted after 60 s");

    // Five minutes of running resets the count: the next crash restarts at once.
    db.claim(GUID, 0, &ik("a")).expect("claim");
    db.start(&key(), &ik("a"), &net("a")).expect("start");
    clock.advance(Duration::from_secs(5 * 60 + 1));
    db.crash(&key(), &ik("a"), "late").expect("crash");
    let lrp = db.get(&key(), Presence::Ordinary).expect("lrp");
    assert_eq!((lrp.state, lrp.crash_count), (State::Unclaimed, 1));
}

#[test]
fn backoff_caps_at_sixteen_minutes_and_stops_after_200_crashes() {
    let (db, clock) = db_in(Init::Unclaimed);
    for n in 1..=200 {
        let state = run_and_crash(&db);
        if state == State::Crashed {
            if n < 200 {
                clock.advance(Duration::from_secs(16 * 60 - 1));
                let early = db.converge();
                clock.advance(Duration::from_secs(1));
                let restarted = db.converge();
                if n >= 8 {
                    assert_eq!(
                        (early, restarted),
                        (0, 1),
                        "crash {n} waits exactly 16 minutes"
                    );
                } else {
                    assert_eq!(early + restarted, 1, "crash {n} restarts within 16 minutes");
                }
            } else {
                clock.advance(Duration::from_secs(24 * 3600));
                assert_eq!(db.converge(), 0, "no restart after 200 crashes");
                assert_eq!(db.next_restart(), None);
            }
        }
    }
    assert_eq!(
        db.get(&key(), Presence::Ordinary).expect("lrp").crash_count,
        200
    );
}

#[test]
fn evacuation_keeps_serving_until_the_replacement_runs() {
    let (db, _) = db_in(Init::Running);
    assert_eq!(db.evacuate_running(&key(), &ik("a"), &net("a")), Ok(true));
    let evac = db
        .get(&key(), Presence::Evacuating)
        .expect("evacuating copy");
    assert_eq!(
        (evac.state, evac.instance_key.cell_id.as_str()),
        (State::Running, "a")
    );
    assert_eq!(
        db.get(&key(), Presence::Ordinary).expect("ordinary").state,
        State::Unclaimed
    );
    assert_eq!(
        db.remove_evacuating(&key(), &ik("b"))
            .expect_err("wrong key")
            .kind,
        "ActualLRPCannotBeRemoved"
    );
    db.claim(GUID, 0, &ik("b")).expect("claim elsewhere");
    db.start(&key(), &ik("b"), &net("b"))
        .expect("start elsewhere");
    assert!(
        db.get(&key(), Presence::Evacuating).is_none(),
        "replacement running: evacuating copy gone"
    );
    assert_eq!(
        db.evacuate_stopped(&key(), &ik("a"))
            .expect_err("gone")
            .kind,
        "ResourceNotFound"
    );
    assert_eq!(
        db.evacuate_running(&key(), &ik("a"), &net("a")),
        Ok(false),
        "another cell runs it now"
    );

    let (db, _) = db_in(Init::Claimed);
    assert_eq!(db.evacuate_claimed(&key(), &ik("a")), Ok(false));
    assert_eq!(
        db.get(&key(), Presence::Ordinary).expect("lrp").state,
        State::Unclaimed
    );

    let (db, _) = db_in(Init::Running);
    assert_eq!(db.evacuate_crashed(&key(), &ik("a"), "died"), Ok(false));
    assert_eq!(
        db.get(&key(), Presence::Ordinary).expect("lrp").crash_count,
        1
    );

    let (db, _) = db_in(Init::Running);
    assert_eq!(db.evacuate_running(&key(), &ik("a"), &net("a")), Ok(true));
    db.remove_evacuating(&key(), &ik("a"))
        .expect("remove evacuating");
    assert!(db.get(&key(), Presence::Evacuating).is_none());
}

#[test]
fn a_lost_cell_leaves_a_suspect_copy_until_replaced() {
    let (db, _) = db_in(Init::Running);
    assert_eq!(db.cell_lost("a"), 1);
    assert_eq!(
        db.get(&key(), Presence::Suspect).expect("suspect").state,
        State::Running
    );
    assert_eq!(
        db.get(&key(), Presence::Ordinary).expect("ordinary").state,
        State::Unclaimed
    );
    db.claim(GUID, 0, &ik("b")).expect("claim");
    db.start(&key(), &ik("b"), &net("b")).expect("start");
    assert!(db.get(&key(), Presence::Suspect).is_none());
}
