//! Every cell of the Flylogs "Permissions at a glance" matrix (seed 003),
//! checked through the CLI `check` command against the `operator` preset.
//!
//! The matrix below is copied verbatim from the source document and parsed;
//! each cell word is turned into the allowed/denied pattern it means, using
//! the modelling described at the top of assets/presets/operator.toml. One
//! organisation is built once (an operator database with the administrator
//! and one user per role) and copied for each row, so the rows run in
//! parallel, each with its own database.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::cli::{run_at, Db, ADMIN, NOW};

/// The table of the source document, verbatim.
const MATRIX: &str = "\
| Role                        |  Manage users | Billing |     Flights    | Aircraft | Trainings | Safety |  Schedule  |
| --------------------------- | :-----------: | :-----: | :------------: | :------: | :-------: | :----: | :--------: |
| Company Administrator       |       ✅       |    ✅    |        ✅       |     ✅    |     ✅     |    ✅   |      ✅     |
| Operations Manager          |  ⚠️ no admins |    ✅    |        ✅       |     ✅    |     ✅     |    ✅   |      ✅     |
| Compliance & Safety Manager |       —       |    —    |      View      |     —    |    View   |    ✅   |    View    |
| Human Resources Manager     |       ✅       |    —    |        —       |     —    |     —     |    —   |      —     |
| Financial Manager           |       —       |    ✅    |      View      |     —    |     —     |    —   |      —     |
| Trainings Manager           |       —       |    —    |      View      |     —    |     ✅     |    —   |    View    |
| Crew Scheduling             |       —       |    —    |      View      |     —    |     —     |    —   |      ✅     |
| Flight Dispatcher           |       —       |    —    |        ✅       |   View   |     —     |    —   |      ✅     |
| Chief Pilot                 |  View pilots  |    —    |    View all    |     —    |     —     |  View  |  View all  |
| Flight Instructor           | View students |    —    | Own + students |     —    |   Teach   |   Own  |     Own    |
| Captain                     |       —       |    —    |       Own      |     —    |     —     |   Own  |     Own    |
| Pilot                       |       —       |    —    |       Own      |     —    |     —     |   Own  |     Own    |
| Student Pilot               |       —       |    —    |   Own (read)   |     —    |  Enrolled |   Own  | Own (read) |
| Cabin Crew                  |       —       |    —    |    Assigned    |     —    |     —     |   Own  |  Assigned  |
| Auditor                     |       —       |   View  |      View      |   View   |    View   |  View  |    View    |
| Mechanic                    |       —       |    —    |      View      |     ✅    |     —     |    —   |      —     |
";

const COLUMNS: [&str; 7] = [
    "Manage users",
    "Billing",
    "Flights",
    "Aircraft",
    "Trainings",
    "Safety",
    "Schedule",
];

/// The rows of the matrix: role and its seven cells.
fn matrix() -> Vec<(String, Vec<String>)> {
    let mut lines = MATRIX.lines();
    let head: Vec<String> = cells(lines.next().unwrap());
    assert_eq!(head[0], "Role");
    assert_eq!(&head[1..], COLUMNS, "the matrix columns");
    let sep = lines.next().unwrap();
    assert!(sep.contains("---"));
    lines
        .map(|l| {
            let c = cells(l);
            assert_eq!(c.len(), 8, "row {l}");
            (c[0].clone(), c[1..].to_vec())
        })
        .collect()
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// What a cell grants, in the terms of the operator preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// ✅
    Full,
    /// ⚠️ no admins
    NoAdmins,
    /// View, View all
    View,
    ViewPilots,
    ViewStudents,
    OwnAndStudents,
    Own,
    OwnRead,
    Assigned,
    Teach,
    Enrolled,
    /// —
    Nothing,
}

fn cell(word: &str) -> Cell {
    match word {
        "✅" => Cell::Full,
        "⚠️ no admins" => Cell::NoAdmins,
        "View" | "View all" => Cell::View,
        "View pilots" => Cell::ViewPilots,
        "View students" => Cell::ViewStudents,
        "Own + students" => Cell::OwnAndStudents,
        "Own" => Cell::Own,
        "Own (read)" => Cell::OwnRead,
        "Assigned" => Cell::Assigned,
        "Teach" => Cell::Teach,
        "Enrolled" => Cell::Enrolled,
        "—" => Cell::Nothing,
        other => panic!("a matrix cell this test does not know: {other:?}"),
    }
}

/// One expected answer of `check`: permission, the extra arguments
/// (`--level L` or `--relation R`), allowed or not.
type Expect = (&'static str, Vec<String>, bool);

fn level(p: &'static str, l: &str, allowed: bool) -> Expect {
    (p, vec!["--level".into(), l.into()], allowed)
}

fn relation(p: &'static str, r: &str, allowed: bool) -> Expect {
    (p, vec!["--relation".into(), r.into()], allowed)
}

/// A pair of scope permissions (view + edit/manage): for every relation of
/// the pair, whether view and edit allow it.
fn scope_pair(
    view: &'static str,
    edit: &'static str,
    relations: &[&str],
    may_view: &[&str],
    may_edit: &[&str],
) -> Vec<Expect> {
    let mut out = Vec::new();
    for r in relations {
        out.push(relation(view, r, may_view.contains(r)));
    }
    for r in relations {
        out.push(relation(edit, r, may_edit.contains(r)));
    }
    out
}

/// An `access` permission: view and manage.
fn access(p: &'static str, c: Cell) -> Vec<Expect> {
    let (view, manage) = match c {
        Cell::Full => (true, true),
        Cell::View => (true, false),
        Cell::Nothing => (false, false),
        other => panic!("{other:?} is not a cell of an access column"),
    };
    vec![level(p, "view", view), level(p, "manage", manage)]
}

/// Every check a cell means, for its column.
fn expectations(column: &str, c: Cell) -> Vec<Expect> {
    match column {
        "Manage users" => {
            let all = ["own", "other", "pilots", "students"];
            let (may_view, manage): (&[&str], bool) = match c {
                Cell::Full | Cell::NoAdmins => (&all, true),
                Cell::ViewPilots => (&["pilots"], false),
                Cell::ViewStudents => (&["students"], false),
                Cell::Nothing => (&[], false),
                other => panic!("{other:?} is not a cell of the users column"),
            };
            let mut out: Vec<Expect> = all
                .iter()
                .map(|r| relation("users.view", r, may_view.contains(r)))
                .collect();
            out.push(level("users.manage", "yes", manage));
            if !manage {
                out.push(level("users.impersonate", "yes", false));
            }
            out
        }
        "Billing" => access("billing.manage", c),
        "Aircraft" => access("aircraft.manage", c),
        "Flights" => {
            let all = ["own", "other", "students", "assigned"];
            let (v, e): (&[&str], &[&str]) = match c {
                Cell::Full => (&all, &all),
                Cell::View => (&all, &[]),
                Cell::OwnAndStudents => (&["own", "students"], &["own", "students"]),
                Cell::Own => (&["own"], &["own"]),
                Cell::OwnRead => (&["own"], &[]),
                Cell::Assigned => (&["assigned"], &[]),
                Cell::Nothing => (&[], &[]),
                other => panic!("{other:?} is not a cell of the flights column"),
            };
            scope_pair("flights.view", "flights.edit", &all, v, e)
        }
        "Trainings" => {
            let all = ["own", "other", "taught", "enrolled"];
            let (v, e): (&[&str], &[&str]) = match c {
                Cell::Full => (&all, &all),
                Cell::View => (&all, &[]),
                Cell::Teach => (&["taught"], &["taught"]),
                Cell::Enrolled => (&["enrolled"], &[]),
                Cell::Nothing => (&[], &[]),
                other => panic!("{other:?} is not a cell of the trainings column"),
            };
            scope_pair("trainings.view", "trainings.manage", &all, v, e)
        }
        "Safety" => {
            let all = ["own", "other"];
            let (v, e): (&[&str], &[&str]) = match c {
                Cell::Full => (&all, &all),
                Cell::View => (&all, &[]),
                Cell::Own => (&["own"], &["own"]),
                Cell::Nothing => (&[], &[]),
                other => panic!("{other:?} is not a cell of the safety column"),
            };
            scope_pair("safety.view", "safety.manage", &all, v, e)
        }
        "Schedule" => {
            let all = ["own", "other", "assigned"];
            let (v, e): (&[&str], &[&str]) = match c {
                Cell::Full => (&all, &all),
                Cell::View => (&all, &[]),
                Cell::Own => (&["own"], &["own"]),
                Cell::OwnRead => (&["own"], &[]),
                Cell::Assigned => (&["assigned"], &[]),
                Cell::Nothing => (&[], &[]),
                other => panic!("{other:?} is not a cell of the schedule column"),
            };
            scope_pair("schedule.view", "schedule.edit", &all, v, e)
        }
        other => panic!("unknown column {other}"),
    }
}

/// The login of the user who holds a row's role.
fn login_of(role: &str) -> String {
    if role == "Company Administrator" {
        return ADMIN.to_string();
    }
    role.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The operator organisation, built once per test process: the administrator
/// plus one user per role, each bound to [`login_of`] the role. It lives in
/// Cargo's temporary directory for integration tests; leftovers of earlier
/// runs (whose process is gone) are removed first.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(base).unwrap();
        for e in std::fs::read_dir(base).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("operator-matrix-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let path = base.join(format!("operator-matrix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let run = |args: &[&str]| run_at(&path, ADMIN, NOW, args).ok();
        run(&[
            "init",
            "--preset",
            "operator",
            "--admin-email",
            "admin@operator.test",
            "--admin-given",
            "Avery",
            "--admin-family",
            "Admin",
        ]);
        for (role, _) in matrix().iter().skip(1) {
            let login = login_of(role);
            run(&[
                "user",
                "add",
                "--given",
                role,
                "--family",
                "Holder",
                "--email",
                &format!("{login}@operator.test"),
                "--login",
                &login,
                "--role",
                role,
            ]);
        }
        let users = run(&["--json", "user", "list"]).json();
        assert_eq!(users.as_array().unwrap().len(), 16, "{users}");
        path
    })
}

/// Checks one row of the matrix on a copy of the template; every mismatch is
/// collected and reported with its row, column and check.
fn check_row(role: &str) {
    let rows = matrix();
    let (_, words) = rows
        .iter()
        .find(|(r, _)| r == role)
        .unwrap_or_else(|| panic!("row {role} is not in the matrix"));
    let db = Db::copy_of(template());
    let user = login_of(role);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (column, word) in COLUMNS.iter().zip(words) {
        let c = cell(word);
        for (perm, extra, expected) in expectations(column, c) {
            let mut args = vec!["check", user.as_str(), perm];
            args.extend(extra.iter().map(String::as_str));
            let out = db.run(&args);
            checked += 1;
            let got = match out.code {
                0 => true,
                1 => false,
                _ => {
                    wrong.push(format!(
                        "[{role} × {column} = {word}] check {perm} {}: error {}",
                        extra.join(" "),
                        out.stderr.trim()
                    ));
                    continue;
                }
            };
            if got != expected {
                wrong.push(format!(
                    "[{role} × {column} = {word}] check {user} {perm} {}: expected {}, got {} — {}",
                    extra.join(" "),
                    if expected { "allowed" } else { "denied" },
                    if got { "allowed" } else { "denied" },
                    out.stdout.lines().nth(1).unwrap_or("").trim()
                ));
            }
        }
        if c == Cell::NoAdmins {
            no_admins(&db, role, &user, &mut wrong);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} checks of row {role} disagree with the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked >= 20, "row {role}: only {checked} checks");
}

/// "⚠️ no admins": manages users, but not the administrators.
fn no_admins(db: &Db, role: &str, user: &str, wrong: &mut Vec<String>) {
    let tag = format!("[{role} × Manage users = ⚠️ no admins]");
    let before = db.snapshot();
    for args in [
        &["user", "edit", ADMIN, "--given", "Mallory"][..],
        &["user", "deactivate", ADMIN][..],
        &["user", "delete", ADMIN, "--confirm", ADMIN][..],
        &["user", "unassign", ADMIN, "Company Administrator"][..],
    ] {
        let out = db.run_as(user, args);
        if out.code != 2 || !out.stderr.contains("escalation refused") {
            wrong.push(format!(
                "{tag} {args:?} on the administrator: expected an escalation error, got exit {} {}",
                out.code,
                out.stderr.trim()
            ));
        }
    }
    if db.snapshot() != before {
        wrong.push(format!(
            "{tag} a refused change to the administrator changed the store"
        ));
    }
    for args in [
        &["user", "edit", "pilot", "--given", "Pia"][..],
        &["user", "assign", "captain", "Pilot"][..],
        &["user", "deactivate", "cabin_crew"][..],
        &["user", "reactivate", "cabin_crew"][..],
        &[
            "user", "add", "--given", "New", "--family", "Pilot", "--login", "newpilot", "--role",
            "Pilot",
        ][..],
    ] {
        let out = db.run_as(user, args);
        if out.code != 0 {
            wrong.push(format!(
                "{tag} {args:?}: expected success, got exit {} {}",
                out.code,
                out.stderr.trim()
            ));
        }
    }
}

#[test]
fn the_matrix_has_sixteen_roles_and_every_row_has_a_test() {
    let rows = matrix();
    let roles: BTreeSet<&str> = rows.iter().map(|(r, _)| r.as_str()).collect();
    let tested: BTreeSet<&str> = ROWS.iter().copied().collect();
    assert_eq!(rows.len(), 16);
    assert_eq!(ROWS.len(), tested.len(), "a row is tested twice: {ROWS:?}");
    assert_eq!(roles, tested, "rows without a test, or tests without a row");
    // And the preset has exactly these sixteen account types.
    let db = Db::copy_of(template());
    let list = db.run(&["--json", "role", "list"]).ok().json();
    let names: BTreeSet<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        roles.iter().map(|r| r.to_string()).collect::<BTreeSet<_>>()
    );
}

macro_rules! rows {
    ($($name:ident => $role:expr),* $(,)?) => {
        /// Exactly the rows the tests below check, as the macro names them.
        const ROWS: &[&str] = &[$($role),*];
        $(
            #[test]
            fn $name() {
                check_row($role);
            }
        )*
    };
}

rows! {
    row_company_administrator => "Company Administrator",
    row_operations_manager => "Operations Manager",
    row_compliance_and_safety_manager => "Compliance & Safety Manager",
    row_human_resources_manager => "Human Resources Manager",
    row_financial_manager => "Financial Manager",
    row_trainings_manager => "Trainings Manager",
    row_crew_scheduling => "Crew Scheduling",
    row_flight_dispatcher => "Flight Dispatcher",
    row_chief_pilot => "Chief Pilot",
    row_flight_instructor => "Flight Instructor",
    row_captain => "Captain",
    row_pilot => "Pilot",
    row_student_pilot => "Student Pilot",
    row_cabin_crew => "Cabin Crew",
    row_auditor => "Auditor",
    row_mechanic => "Mechanic",
}

/// Beyond the matrix: the areas the text of seed 003 adds, as the operator
/// preset's header reads them (documents: "Chief Pilot ... view all other
/// pilots, flights, documents"; Cabin Crew "a personal view of their own
/// ... documents"; Compliance & Safety "Access to reporting tools, docs";
/// Auditors "a temporary view of your documents, flights and reports"), and
/// flying privileges, which no role gives: "Pilots can also be created with
/// or without flying privileges" (a personal grant; the Operations Manager
/// holds it so as to give it). Ours, not the document's table.
const BEYOND: &str = "\
| Role                        | Documents  | Reports | Fly |
| --------------------------- | ---------- | ------- | --- |
| Company Administrator       | ✅         | ✅      | ✅  |
| Operations Manager          | ✅         | ✅      | ✅  |
| Compliance & Safety Manager | View       | View    | —   |
| Human Resources Manager     | —          | —       | —   |
| Financial Manager           | —          | —       | —   |
| Trainings Manager           | —          | —       | —   |
| Crew Scheduling             | —          | —       | —   |
| Flight Dispatcher           | —          | —       | —   |
| Chief Pilot                 | View       | —       | —   |
| Flight Instructor           | —          | —       | —   |
| Captain                     | —          | —       | —   |
| Pilot                       | —          | —       | —   |
| Student Pilot               | —          | —       | —   |
| Cabin Crew                  | Own (read) | —       | —   |
| Auditor                     | View       | View    | —   |
| Mechanic                    | —          | —       | —   |
";

#[test]
fn the_text_beyond_the_matrix_documents_reports_and_flying() {
    let db = Db::copy_of(template());
    let mut wrong = Vec::new();
    let rows: Vec<Vec<String>> = BEYOND.lines().skip(2).map(cells).collect();
    assert_eq!(rows.len(), 16);
    for row in &rows {
        let (role, docs, reports, fly) = (&row[0], &row[1], &row[2], &row[3]);
        let user = login_of(role);
        let (view, manage): (&[&str], &[&str]) = match docs.as_str() {
            "✅" => (&["own", "other"], &["own", "other"]),
            "View" => (&["own", "other"], &[]),
            "Own (read)" => (&["own"], &[]),
            "—" => (&[], &[]),
            other => panic!("documents cell {other:?}"),
        };
        let mut expect = scope_pair(
            "documents.view",
            "documents.manage",
            &["own", "other"],
            view,
            manage,
        );
        expect.extend(access(
            "reports.access",
            match reports.as_str() {
                "✅" => Cell::Full,
                "View" => Cell::View,
                _ => Cell::Nothing,
            },
        ));
        expect.push(level("flights.fly", "yes", fly == "✅"));
        for (perm, extra, expected) in expect {
            let mut args = vec!["check", user.as_str(), perm];
            args.extend(extra.iter().map(String::as_str));
            let got = db.run(&args).code == 0;
            if got != expected {
                wrong.push(format!(
                    "[{role}] check {perm} {}: expected {expected}",
                    extra.join(" ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
