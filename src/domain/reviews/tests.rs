//! Unit tests of campaigns: scopes, reviewer assignment, decisions (bulk
//! keep and its conditions, shortening), closing, evidence.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::evidence::{conflicts, evidence, Activity, Previous, Risk};
use super::*;
use crate::domain::command::{Command, NewReview, NewUser};
use crate::domain::error::DomainError;
use crate::domain::proptests::org_from_preset;
use crate::domain::rules::{plan, Actor};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

fn as_user(id: u32) -> Actor {
    Actor {
        operator: id,
        acting_as: None,
    }
}

fn run_at(org: &mut Organisation, who: Actor, cmd: Command, at: DateTime<Utc>) -> DomainResult<()> {
    let ch = plan(org, who, &cmd, at)?;
    org.apply(&ch);
    Ok(())
}

fn run(org: &mut Organisation, who: Actor, cmd: Command) -> DomainResult<()> {
    run_at(org, who, cmd, t0())
}

/// Maintenance preset: #2 rita (Read-only, the reviewer), #3 pat
/// (Maintenance planner, until 2026-12-31), #4 stu (Stores) with a
/// personal grant.
fn org() -> Organisation {
    let mut org = org_from_preset("maintenance");
    for (given, login, role) in [
        ("Rita", "rita", "Read-only"),
        ("Pat", "pat", "Maintenance planner"),
        ("Stu", "stu", "Stores"),
    ] {
        let nu = NewUser {
            given: given.into(),
            family: "Doe".into(),
            email: None,
            login: Some(login.into()),
            roles: vec![role.into()],
            access_until: None,
        };
        run(&mut org, ADMIN, Command::AddUser(nu)).unwrap();
    }
    run(
        &mut org,
        ADMIN,
        Command::AssignRole {
            user: "pat".into(),
            role: "Maintenance planner".into(),
            until: Some(day(2026, 12, 31)),
        },
    )
    .unwrap();
    org
}

fn start(org: &mut Organisation, scope: &str, bulk_after: u32) -> CampaignId {
    let nr = NewReview {
        name: "Q2".into(),
        scope: scope.into(),
        reviewers: vec!["rita".into(), "#1".into()],
        due: day(2026, 6, 30),
        fallback: Fallback::None,
        recur_months: None,
        granter_may_review: false,
        bulk_after_secs: Some(bulk_after),
        inactive_days: None,
    };
    run(org, ADMIN, Command::StartReview(Box::new(nr))).unwrap();
    org.reviews.campaigns.keys().next_back().copied().unwrap()
}

fn find(org: &Organisation, c: CampaignId, holder: u32) -> &ReviewItem {
    org.reviews
        .items_of(c)
        .find(|i| i.holder == holder)
        .unwrap()
}

fn decide(no: ItemNo, verdict: Verdict, reason: &str, bulk: Option<u32>) -> Command {
    Command::DecideReview {
        campaign: 1,
        items: vec![no],
        verdict,
        reason: reason.into(),
        looked_ms: Some(4_000),
        bulk,
    }
}

#[test]
fn scopes_pick_their_items() {
    let mut o = org();
    let all = start(&mut o, "all", 0);
    assert_eq!(o.reviews.campaigns[&all].item_count, 4);
    let role = start(&mut o, "role:Stores", 0);
    assert_eq!(o.reviews.items_of(role).count(), 1);
    let privileged = start(&mut o, "privileged", 0);
    let holders: Vec<u32> = o.reviews.items_of(privileged).map(|i| i.holder).collect();
    assert_eq!(holders, vec![1], "only the administrator");
    assert!(matches!(
        Scope::parse(&o, "kind:nope"),
        Err(DomainError::Unknown { .. })
    ));
    assert!(Scope::parse(&o, "everything").is_err());
}

#[test]
fn bulk_keep_waits_for_the_policy_and_skips_risky_items() {
    let mut o = org();
    let c = start(&mut o, "all", 60);
    let pat = find(&o, c, 3).clone();
    let stu = find(&o, c, 4).clone();
    let rita = as_user(2);
    // Too soon.
    let e = run(
        &mut o,
        rita,
        decide(pat.no, Verdict::Keep, "", Some(59_000)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("60 s"), "{e}");
    // Stu's Stores role never expires: a risk sign, so not in bulk.
    let e = run(
        &mut o,
        rita,
        decide(stu.no, Verdict::Keep, "", Some(61_000)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("expires never"), "{e}");
    // Pat's ends 2026-12-31 and shows no sign: kept in bulk.
    run(
        &mut o,
        rita,
        decide(pat.no, Verdict::Keep, "", Some(61_000)),
    )
    .unwrap();
    let d = o.reviews.item(c, pat.no).unwrap().decision.clone().unwrap();
    assert!(d.bulk && d.looked_ms.is_none());
    // Decided once in bulk, not again.
    let e = run(
        &mut o,
        rita,
        decide(pat.no, Verdict::Keep, "", Some(61_000)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("already decided"), "{e}");
    // Only keep goes in bulk.
    let e = run(
        &mut o,
        rita,
        decide(stu.no, Verdict::Remove, "x", Some(61_000)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("only keep"), "{e}");
}

#[test]
fn shorten_must_come_before_the_end_and_closing_applies_it() {
    let mut o = org();
    let c = start(&mut o, "all", 0);
    let pat = find(&o, c, 3).clone();
    let rita = as_user(2);
    let late = decide(pat.no, Verdict::Shorten(day(2027, 1, 31)), "x", None);
    let e = run(&mut o, rita, late).unwrap_err();
    assert!(e.to_string().contains("already ends 2026-12-31"), "{e}");
    let ok = decide(
        pat.no,
        Verdict::Shorten(day(2026, 8, 31)),
        "project ends",
        None,
    );
    run(&mut o, rita, ok).unwrap();
    run(&mut o, ADMIN, Command::CloseReview { campaign: c }).unwrap();
    let role = o.resolve_role("Maintenance planner").unwrap().id;
    assert_eq!(
        o.users[&3].assignment(role).unwrap().until,
        Some(day(2026, 8, 31))
    );
    assert_eq!(
        o.reviews.item(c, pat.no).unwrap().outcome,
        Some(Outcome::Shortened(day(2026, 8, 31)))
    );
}

#[test]
fn closing_notes_what_ended_by_itself() {
    let mut o = org();
    let c = start(&mut o, "all", 0);
    let stu = find(&o, c, 4).clone();
    run(
        &mut o,
        as_user(2),
        decide(stu.no, Verdict::Remove, "left", None),
    )
    .unwrap();
    run(
        &mut o,
        ADMIN,
        Command::UnassignRole {
            user: "stu".into(),
            role: "Stores".into(),
        },
    )
    .unwrap();
    run(&mut o, ADMIN, Command::CloseReview { campaign: c }).unwrap();
    assert!(matches!(
        o.reviews.item(c, stu.no).unwrap().outcome,
        Some(Outcome::Gone(_))
    ));
}

#[test]
fn evidence_shows_activity_change_and_risks() {
    let mut o = org();
    let c = start(&mut o, "all", 0);
    run(&mut o, ADMIN, Command::CloseReview { campaign: c }).unwrap();
    let later = t0() + Duration::days(200);
    let c2 = {
        let nr = NewReview {
            name: "Q4".into(),
            scope: "all".into(),
            reviewers: vec!["rita".into(), "#1".into()],
            due: day(2026, 12, 31),
            fallback: Fallback::None,
            recur_months: None,
            granter_may_review: false,
            bulk_after_secs: None,
            inactive_days: None,
        };
        run_at(&mut o, ADMIN, Command::StartReview(Box::new(nr)), later).unwrap();
        2
    };
    let camp = &o.reviews.campaigns[&c2];
    let prev = Previous::of(&o.reviews, camp);
    assert_eq!(prev.campaign.as_ref().map(|p| p.id), Some(c));
    let none = conflicts(&o, o.users.keys().copied().collect::<Vec<_>>(), later);
    let pat = find(&o, c2, 3);
    let idle = evidence(&o, pat, None, &prev, &none, later);
    assert!(idle.has(Risk::Inactive), "{idle:?}");
    assert!(
        idle.changed.contains("unchanged since Q2"),
        "{}",
        idle.changed
    );
    assert!(
        idle.gives.iter().any(|g| g.contains("work_orders")),
        "{idle:?}"
    );
    let seen = Activity {
        last_sign_in: Some(later - Duration::days(3)),
        last_allowed: [("work_orders.access".to_string(), later - Duration::days(1))]
            .into_iter()
            .collect(),
    };
    let active = evidence(&o, pat, Some(&seen), &prev, &none, later);
    assert!(!active.has(Risk::Inactive));
    assert_eq!(active.idle_days, Some(1));
    assert!(
        active.activity.contains("used work_orders.access"),
        "{}",
        active.activity
    );
    let admin = find(&o, c2, 1);
    let e = evidence(&o, admin, Some(&seen), &prev, &none, later);
    assert!(e.has(Risk::Privileged) && e.has(Risk::ExpiresNever));
}

#[test]
fn recur_parses_months_and_years() {
    assert_eq!(parse_recur("3m").unwrap(), 3);
    assert_eq!(parse_recur("1y").unwrap(), 12);
    assert!(parse_recur("0m").is_err());
    assert!(parse_recur("3w").is_err());
    assert!(parse_recur("m").is_err());
}

#[test]
fn the_campaign_says_how_long_without_activity_is_inactive() {
    let mut o = org();
    let nr = NewReview {
        name: "Patient".into(),
        scope: "all".into(),
        reviewers: vec!["rita".into(), "#1".into()],
        due: day(2026, 6, 30),
        fallback: Fallback::None,
        recur_months: None,
        granter_may_review: false,
        bulk_after_secs: None,
        inactive_days: Some(365),
    };
    run(&mut o, ADMIN, Command::StartReview(Box::new(nr))).unwrap();
    let c = &o.reviews.campaigns[&1];
    assert_eq!(c.inactive_days, 365);
    let prev = Previous::of(&o.reviews, c);
    let later = t0() + Duration::days(200);
    let none = conflicts(&o, [3], later);
    let pat = find(&o, 1, 3);
    assert!(!evidence(&o, pat, None, &prev, &none, later).has(Risk::Inactive));
    let zero = NewReview {
        name: "x".into(),
        scope: "all".into(),
        reviewers: vec!["rita".into()],
        due: day(2026, 6, 30),
        fallback: Fallback::None,
        recur_months: None,
        granter_may_review: false,
        bulk_after_secs: None,
        inactive_days: Some(0),
    };
    assert!(run(&mut o, ADMIN, Command::StartReview(Box::new(zero))).is_err());
}

#[test]
fn items_are_read_from_their_block_until_written_on_their_own() {
    let mut o = org();
    // More people than one block holds.
    for k in 0..(super::BLOCK + 20) {
        let nu = NewUser {
            given: format!("P{k}"),
            family: "Doe".into(),
            email: None,
            login: None,
            roles: vec!["Stores".into()],
            access_until: None,
        };
        run(&mut o, ADMIN, Command::AddUser(nu)).unwrap();
    }
    let c = start(&mut o, "role:Stores", 0);
    let n = o.reviews.campaigns[&c].item_count;
    assert!(n as usize > super::BLOCK);
    assert_eq!(o.reviews.blocks().count(), 2);
    let nos: Vec<ItemNo> = o.reviews.items_of(c).map(|i| i.no).collect();
    assert_eq!(nos, (1..=n).collect::<Vec<_>>());
    let last = o.reviews.item(c, n).unwrap().clone();
    assert!(o.reviews.item(c, n + 1).is_none());
    assert!(!o.reviews.is_changed(c, n));
    let reviewer = as_user(last.reviewer.unwrap());
    let mut cmd = decide(n, Verdict::Keep, "", None);
    if let Command::DecideReview { campaign, .. } = &mut cmd {
        *campaign = c;
    }
    let ch = plan(&o, reviewer, &cmd, t0()).unwrap();
    // The first change of an item writes it on its own, beside its block.
    assert!(ch.puts.iter().all(|p| p.before.is_none()));
    o.apply(&ch);
    assert!(o.reviews.is_changed(c, n));
    assert_eq!(
        o.reviews
            .item(c, n)
            .unwrap()
            .decision
            .as_ref()
            .unwrap()
            .verdict,
        Verdict::Keep
    );
    assert_eq!(o.reviews.items_of(c).count() as u32, n);
    // Records out and in again give the same organisation.
    let again = Organisation::from_records(o.records(), o.counters).unwrap();
    assert_eq!(again.reviews, o.reviews);
    crate::domain::rules::validate_reviews(&o).unwrap();
}

#[test]
fn acting_as_the_reviewer_does_not_decide_ones_own_access() {
    let mut o = org();
    // Pat may act as others (impersonate) but reviews nothing; Rita
    // reviews Pat's role.
    run(
        &mut o,
        ADMIN,
        Command::Grant {
            user: "pat".into(),
            permission: "users.impersonate".into(),
            level: "yes".into(),
            until: None,
        },
    )
    .unwrap();
    let c = start(&mut o, "role:Maintenance planner", 0);
    let pat = find(&o, c, 3).clone();
    assert_eq!(pat.reviewer, Some(2));
    let pat_as_rita = Actor {
        operator: 3,
        acting_as: Some(2),
    };
    let e = run(&mut o, pat_as_rita, decide(pat.no, Verdict::Keep, "", None)).unwrap_err();
    assert!(e.to_string().contains("your own access"), "{e}");
    // The administrator gave it: acting as Rita, still not theirs to review.
    let admin_as_rita = Actor {
        operator: 1,
        acting_as: Some(2),
    };
    let e = run(
        &mut o,
        admin_as_rita,
        decide(pat.no, Verdict::Keep, "", None),
    )
    .unwrap_err();
    assert!(e.to_string().contains("access you gave"), "{e}");
    run(&mut o, as_user(2), decide(pat.no, Verdict::Keep, "", None)).unwrap();
}
