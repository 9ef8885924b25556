//! Boxes and text drawn every frame, cheaply. `Block` sets its (default) style on every cell of
//! its area, and `Paragraph` does so twice, then passes each character through grapheme
//! segmentation and a width lookup; the regions' boxes cover the screen, so those passes were
//! the costliest part of a frame while answers stream. Here an ASCII span goes in a byte a cell,
//! any other line is left to `Paragraph`, and a box is drawn as four thin blocks, so what lands
//! in the buffer is the same cell for cell (the tests hold it to that).

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

/// `lines` into `area` as `Paragraph::new(lines)` draws them (no block, wrap, scroll or style of
/// its own): a line a row, cut at the area's width.
pub fn lines(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    let area = area.intersection(buf.area);
    for (y, line) in (area.top()..area.bottom()).zip(lines) {
        let row = Rect::new(area.x, y, area.width, 1);
        let left = line.alignment.is_none_or(|a| a == Alignment::Left);
        if !left || !line.spans.iter().all(|s| s.content.is_ascii()) {
            Paragraph::new(line.clone()).render(row, buf);
            continue;
        }
        let mut x = area.x;
        'spans: for span in &line.spans {
            let style = line.style.patch(span.style);
            for &b in span.content.as_bytes() {
                // Control characters are dropped, as `Paragraph` drops them.
                if b.is_ascii_control() {
                    continue;
                }
                if x >= row.right() {
                    break 'spans;
                }
                buf[(x, y)].set_char(char::from(b)).set_style(style);
                x += 1;
            }
        }
    }
}

/// A box as `Block::bordered()` draws it, titles and border style included, without its pass
/// over every cell of the area to set the block's (default) style: the four regions' boxes cover
/// the screen, and that pass was the costliest part of a frame. It is drawn as four thin blocks,
/// a row or a column each, which together write the same cells.
#[derive(Debug, Clone, Default)]
pub struct Bordered<'a> {
    top: Vec<Line<'a>>,
    bottom: Vec<Line<'a>>,
    border: Style,
}

impl<'a> Bordered<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A title on the top border (placed by its alignment, as `Block::title`).
    pub fn title(mut self, title: impl Into<Line<'a>>) -> Self {
        self.top.push(title.into());
        self
    }

    pub fn title_bottom(mut self, title: impl Into<Line<'a>>) -> Self {
        self.bottom.push(title.into());
        self
    }

    pub fn border_style(mut self, style: Style) -> Self {
        self.border = style;
        self
    }

    /// The same box as one `Block`.
    pub fn block(&self) -> Block<'a> {
        let block = Block::bordered().border_style(self.border);
        let block = self.top.iter().cloned().fold(block, Block::title_top);
        self.bottom.iter().cloned().fold(block, Block::title_bottom)
    }

    pub fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.height < 2 || area.width < 2 {
            self.block().render(area, buf);
            return;
        }
        let piece = |borders| Block::new().borders(borders).border_style(self.border);
        let row = |y| Rect::new(area.x, y, area.width, 1);
        let top = self.top.into_iter();
        top.fold(
            piece(Borders::TOP | Borders::LEFT | Borders::RIGHT),
            Block::title_top,
        )
        .render(row(area.y), buf);
        let bottom = self.bottom.into_iter();
        bottom
            .fold(
                piece(Borders::BOTTOM | Borders::LEFT | Borders::RIGHT),
                Block::title_bottom,
            )
            .render(row(area.bottom() - 1), buf);
        let middle = area.height - 2;
        piece(Borders::LEFT).render(Rect::new(area.x, area.y + 1, 1, middle), buf);
        let right = area.right() - 1;
        piece(Borders::RIGHT).render(Rect::new(right, area.y + 1, 1, middle), buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;

    const PIECES: [&str; 12] = [
        "model",
        " ",
        "[1] ",
        "ü",
        "…",
        "▏",
        "コ",
        "a\tb",
        "\r\n",
        "x\u{7f}y",
        "e\u{301}",
        "$0.15/0.60",
    ];

    fn style(r: &mut SplitMix64) -> Style {
        let c = [
            Color::Reset,
            Color::Red,
            Color::Rgb(1, 2, 3),
            Color::Indexed(7),
        ];
        let mut s = Style::default();
        if r.below(2) == 0 {
            s = s.fg(c[r.below(4)]);
        }
        if r.below(3) == 0 {
            s = s.bg(c[r.below(4)]);
        }
        if r.below(3) == 0 {
            s = s.add_modifier(Modifier::BOLD);
        }
        if r.below(5) == 0 {
            s = s.remove_modifier(Modifier::BOLD);
        }
        s
    }

    fn line(r: &mut SplitMix64, ascii_only: bool) -> Line<'static> {
        let spans: Vec<Span> = (0..r.below(5))
            .map(|_| {
                let text: String = (0..r.below(4))
                    .map(|_| {
                        let n = if ascii_only { 3 } else { PIECES.len() };
                        PIECES[r.below(n)]
                    })
                    .collect();
                Span::styled(text, style(r))
            })
            .collect();
        let mut l = Line::from(spans).style(style(r));
        match r.below(6) {
            0 => l = l.right_aligned(),
            1 => l = l.centered(),
            2 => l = l.left_aligned(),
            _ => {}
        }
        l
    }

    #[test]
    fn the_same_cells_as_paragraph() {
        let mut r = SplitMix64::new(11);
        for case in 0..3000 {
            let n = r.below(6);
            let ls: Vec<Line> = (0..n).map(|_| line(&mut r, case % 2 == 0)).collect();
            let (w, h) = (1 + r.below(30) as u16, 1 + r.below(5) as u16);
            let area = Rect::new(r.below(3) as u16, r.below(3) as u16, w, h);
            let screen = Rect::new(0, 0, 34, 9);
            // Drawn over something, as a frame draws over the block's background.
            let mut want = Buffer::filled(screen, ratatui::buffer::Cell::new("#"));
            let mut got = want.clone();
            Paragraph::new(ls.clone()).render(area, &mut want);
            lines(&mut got, area, &ls);
            assert_eq!(got, want, "case {case}: {ls:?} in {area:?}");
        }
    }

    #[test]
    fn the_same_box_as_block() {
        let mut r = SplitMix64::new(5);
        for case in 0..2000 {
            let mut b = Bordered::new().border_style(style(&mut r));
            for _ in 0..r.below(3) {
                b = b.title(line(&mut r, false));
            }
            for _ in 0..r.below(3) {
                b = b.title_bottom(line(&mut r, case % 3 == 0));
            }
            let area = Rect::new(
                r.below(4) as u16,
                r.below(4) as u16,
                r.below(40) as u16,
                r.below(12) as u16,
            );
            let screen = Rect::new(0, 0, 40, 12);
            let mut want = Buffer::filled(screen, ratatui::buffer::Cell::new("#"));
            let mut got = want.clone();
            b.block().render(area, &mut want);
            b.render(area, &mut got);
            assert_eq!(got, want, "case {case}: {area:?}");
        }
    }

    #[test]
    fn an_area_past_the_buffer_is_cut_to_it() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 2));
        lines(
            &mut buf,
            Rect::new(2, 1, 10, 5),
            &[Line::from("abcdef"), Line::from("x")],
        );
        assert_eq!(buf, Buffer::with_lines(["    ", "  ab"]));
    }
}
