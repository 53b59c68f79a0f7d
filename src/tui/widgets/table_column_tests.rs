use super::*;

const COLS: [Column; 4] = [
    Column::new("", 9, 1, 1),
    Column::new("NAME", 8, 8, 24),
    Column::new("EMAIL", 5, 10, 32),
    Column::new("ROLES", 3, 8, 40),
];

#[test]
fn columns_take_their_content_and_the_last_takes_the_rest() {
    let w = fit_columns(&COLS, &[1, 12, 20, 10], 80, 1);
    assert_eq!(
        w,
        vec![Some(1), Some(12), Some(20), Some(80 - 3 - 1 - 12 - 20)]
    );
}

#[test]
fn the_lowest_priority_is_dropped_only_when_the_least_widths_do_not_fit() {
    // 1 + 8 + 10 + 8 and 3 spaces = 30: all fit, cut to their least.
    let w = fit_columns(&COLS, &[1, 20, 30, 30], 30, 1);
    assert_eq!(w, vec![Some(1), Some(8), Some(10), Some(8)]);
    // One cell less: ROLES goes, NAME grows first.
    let w = fit_columns(&COLS, &[1, 20, 30, 30], 29, 1);
    assert_eq!(w, vec![Some(1), Some(16), Some(10), None]);
    // Higher priorities grow before lower ones.
    let w = fit_columns(&COLS, &[1, 20, 30, 30], 45, 1);
    assert_eq!(w, vec![Some(1), Some(20), Some(13), Some(8)]);
}

#[test]
fn widths_are_measured_once_per_key_on_at_most_the_limit_of_rows() {
    let mut w = ColumnWidths::default();
    let mut calls = 0;
    let got = w
        .measure(1, 10, 2, |i| {
            calls += 1;
            vec![Line::from("x".repeat(i)), Line::from("ab")]
        })
        .to_vec();
    assert_eq!((got, calls), (vec![9, 2], 10));
    w.measure(1, 10, 2, |_| panic!("measured again for the same key"));
    let mut calls = 0;
    w.measure(2, 100_000, 2, |_| {
        calls += 1;
        vec![]
    });
    assert!(calls <= MEASURE_LIMIT, "{calls}");
}

#[test]
fn text_is_cut_with_an_ellipsis() {
    let l = ellipsize(Line::from("saalto@demo-mro.example"), 12);
    assert_eq!(l.to_string(), "saalto@demo…");
    assert_eq!(l.width(), 12);
    assert_eq!(ellipsize(Line::from("short"), 12).to_string(), "short");
    let l = ellipsize(Line::from(vec![Span::raw("ab"), Span::raw("cdef")]), 4);
    assert_eq!(l.to_string(), "abc…");
    // Wide characters are not split.
    assert_eq!(ellipsize(Line::from("日本語です"), 6).to_string(), "日本…");
}
