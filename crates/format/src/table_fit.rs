//! Fitting table cells: a cell cut to a width with a trailing `…`, and the column widths
//! shrunk until a row fits the terminal, widest columns first.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cell::push_visible;

/// A column is not shrunk below this many terminal columns to fit the terminal (a
/// narrower one would show nothing useful); a table that still does not fit is wider
/// than the terminal.
pub(crate) const MIN_FIT_WIDTH: usize = 4;

/// `text` made visible and cut to `width` terminal columns (ending in `…` when cut).
pub(crate) fn fit(text: &str, width: usize) -> String {
    let mut visible = String::with_capacity(text.len());
    push_visible(text, &mut visible);
    cut(visible, width)
}

/// `text` (visible already) cut to `width` terminal columns, ending in `…` when cut.
pub(crate) fn cut(text: String, width: usize) -> String {
    if text.width() <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Shrinks `widths` (columns `gap` apart) so that a row takes at most `total` terminal
/// columns: the widest columns lose first, each down to the next widest, and none below
/// [`MIN_FIT_WIDTH`] (or its own width, when narrower).
pub(crate) fn shrink(widths: &mut [usize], gap: usize, total: usize) {
    let gaps = gap * widths.len().saturating_sub(1);
    loop {
        let used: usize = widths.iter().sum::<usize>() + gaps;
        let Some(mut excess) = used.checked_sub(total).filter(|e| *e > 0) else {
            return;
        };
        let widest = widths.iter().copied().max().unwrap_or(0);
        if widest <= MIN_FIT_WIDTH {
            return;
        }
        let next = widths
            .iter()
            .copied()
            .filter(|w| *w < widest)
            .max()
            .unwrap_or(0)
            .max(MIN_FIT_WIDTH);
        let count = widths.iter().filter(|w| **w == widest).count();
        // Take the excess from the widest columns, but none below the next widest: once
        // there, they shrink together with it in the next round.
        let each = excess.div_ceil(count).min(widest - next);
        for width in widths.iter_mut().rev().filter(|w| **w == widest) {
            let take = each.min(excess);
            *width -= take;
            excess -= take;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shrunk(widths: &[usize], total: usize) -> Vec<usize> {
        let mut widths = widths.to_vec();
        shrink(&mut widths, 2, total);
        widths
    }

    #[test]
    fn the_widest_columns_shrink_first() {
        assert_eq!(shrunk(&[10, 40, 20], 80), [10, 40, 20]);
        assert_eq!(shrunk(&[10, 40, 20], 60), [10, 26, 20]);
        assert_eq!(shrunk(&[10, 40, 20], 44), [10, 15, 15]);
        assert_eq!(shrunk(&[10, 40, 40], 60), [10, 23, 23]);
        assert_eq!(shrunk(&[3, 40, 40], 10), [3, 4, 4], "never below 4");
        assert_eq!(shrunk(&[], 10), Vec::<usize>::new());
        let widths = shrunk(&[30; 200], 100);
        assert!(widths.iter().all(|w| *w == 4));
    }

    #[test]
    fn cells_are_cut_by_terminal_width() {
        assert_eq!(fit("abcdefgh", 5), "abcd…");
        assert_eq!(fit("日本語です", 5), "日本…");
        assert_eq!(fit("a\u{1b}[2J\nb", 40), "a\\u{1b}[2J\\nb");
        assert_eq!(cut("abc".to_string(), usize::MAX), "abc");
    }
}
