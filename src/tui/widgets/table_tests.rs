use super::*;

#[test]
fn window_follows_the_selection() {
    let mut s = ListState::default();
    assert_eq!(s.window(100, 10), 0..10);
    s.selected = 15;
    assert_eq!(s.window(100, 10), 6..16);
    s.selected = 3;
    assert_eq!(s.window(100, 10), 3..13);
    s.last(100);
    assert_eq!(s.window(100, 10), 90..100);
    assert_eq!(s.window(5, 10), 0..5);
    assert_eq!(s.selected, 4);
    assert_eq!(s.window(0, 10), 0..0);
}

#[test]
fn navigate_moves_for_list_actions_only() {
    let mut s = ListState::default();
    assert!(s.navigate(Action::SelectNext, 20, 5));
    assert_eq!(s.selected, 1);
    assert!(s.navigate(Action::PageDown, 20, 5));
    assert_eq!(s.selected, 6);
    assert!(s.navigate(Action::Last, 20, 5));
    assert_eq!(s.selected, 19);
    assert!(s.navigate(Action::SelectNext, 20, 5));
    assert_eq!(s.selected, 19, "stops at the last row");
    assert!(s.navigate(Action::PageUp, 20, 5));
    assert_eq!(s.selected, 14);
    assert!(s.navigate(Action::SelectPrev, 20, 5));
    assert_eq!(s.selected, 13);
    assert!(s.navigate(Action::First, 20, 5));
    assert_eq!(s.selected, 0);
    // A page of 0 rows (not yet drawn) still moves by one.
    assert!(s.navigate(Action::PageDown, 20, 0));
    assert_eq!(s.selected, 1);
    // Other actions are not navigation and change nothing.
    assert!(!s.navigate(Action::Open, 20, 5));
    assert!(!s.navigate(Action::GridDown, 20, 5));
    assert_eq!(s.selected, 1);
    // An empty list stays at 0.
    let mut e = ListState::default();
    assert!(e.navigate(Action::SelectNext, 0, 5));
    assert!(e.navigate(Action::Last, 0, 5));
    assert_eq!(e.selected, 0);
}
