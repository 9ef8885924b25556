//! Screen geometry, shared by `update` (pane heights, mouse hit-testing) and `render`, so the two
//! can never disagree about where a pane is.

use ratatui::layout::Rect;

/// The most panes (and so models at once) the workbench lays out, and a stored turn holds.
pub const MAX_PANES: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Areas {
    pub banner: Rect,
    pub picker: Rect,
    pub editor: Rect,
    /// One per visible pane, in pane order.
    pub panes: Vec<Rect>,
    pub panel: Rect,
    pub status: Rect,
}

/// One maximised pane: the whole screen but the status line is its.
pub fn maximized(size: Rect) -> Areas {
    let status_h = 1.min(size.height);
    let body = Rect::new(size.x, size.y, size.width, size.height - status_h);
    Areas {
        panes: vec![body],
        status: Rect::new(size.x, size.y + body.height, size.width, status_h),
        ..Default::default()
    }
}

/// `visible` panes; `banner` reserves a top line for the "demo gateway" notice; the panel gets up
/// to `panel_rows`, within a third of the screen (two fifths on tall screens).
pub fn compute(size: Rect, visible: usize, banner: bool, panel_rows: u16) -> Areas {
    let mut y = size.y;
    let mut h = size.height;
    let take_top = |y: &mut u16, h: &mut u16, n: u16| {
        let n = n.min(*h);
        let r = Rect::new(size.x, *y, size.width, n);
        *y += n;
        *h -= n;
        r
    };
    let banner = if banner {
        take_top(&mut y, &mut h, 1)
    } else {
        Rect::default()
    };
    let status_h = 1.min(h);
    let status = Rect::new(size.x, y + h - status_h, size.width, status_h);
    h -= status_h;
    let cap = if h >= 40 { h * 2 / 5 } else { h / 3 };
    let panel_h = panel_rows.max(visible.max(1) as u16 + 4).min(cap).min(h);
    let panel = Rect::new(size.x, y + h - panel_h, size.width, panel_h);
    h -= panel_h;
    // The picker and editor give way first on narrow screens: the answers need the room.
    let left_w = if size.width < 100 {
        (size.width / 4).clamp(18.min(size.width), 24)
    } else {
        (size.width * 3 / 10).clamp(26, 48)
    };
    let picker_h = h / 2;
    let picker = Rect::new(size.x, y, left_w, picker_h);
    let editor = Rect::new(size.x, y + picker_h, left_w, h - picker_h);
    let right = Rect::new(size.x + left_w, y, size.width - left_w, h);
    Areas {
        banner,
        picker,
        editor,
        panes: grid(right, visible),
        panel,
        status,
    }
}

fn grid(area: Rect, n: usize) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let (cols, rows) = match n {
        1..=3 => (n, 1),
        4 => (2, 2),
        5 | 6 => (3, 2),
        _ => (3, 3),
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (r, c) = (i / cols, i % cols);
        let x0 = area.x + (area.width as usize * c / cols) as u16;
        let x1 = area.x + (area.width as usize * (c + 1) / cols) as u16;
        let y0 = area.y + (area.height as usize * r / rows) as u16;
        let y1 = area.y + (area.height as usize * (r + 1) / rows) as u16;
        out.push(Rect::new(x0, y0, x1 - x0, y1 - y0));
    }
    out
}

/// Below this the workbench says how big the terminal must be instead of drawing.
pub const MIN_SIZE: (u16, u16) = (50, 14);

pub fn too_small(size: Rect) -> bool {
    size.width < MIN_SIZE.0 || size.height < MIN_SIZE.1
}

/// The text area inside a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x.saturating_add(1),
        r.y.saturating_add(1),
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_tile_the_screen() {
        for (w, h) in [(80, 24), (160, 48), (20, 6)] {
            for n in 0..=9 {
                let a = compute(Rect::new(0, 0, w, h), n, true, 30);
                assert_eq!(a.panes.len(), n);
                for p in &a.panes {
                    assert!(p.right() <= w && p.bottom() <= h, "{p:?} in {w}x{h}");
                }
                assert_eq!(a.status.bottom(), h);
                assert!(a.panel.bottom() <= a.status.y);
            }
        }
    }
}
