//! The page model: the parts of a document flow from the top of A4 pages down; reserved
//! areas (the box for the marca da bollo) are real constraints — a line beside one is
//! narrower, a table row starts below it — and the footer block (the digital stamp) stays
//! whole on the last page, with the body above it. A new page opens only when the body
//! does not fit; continuation pages repeat a short header.

use super::fonts::{fonts, Face};
use super::{Doc, Part};

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
pub const MARGIN: f32 = 20.0;
pub const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The top of the body on the first page and on continuation pages.
const TOP: f32 = PAGE_H - 14.0;
const CONTINUED_TOP: f32 = PAGE_H - 24.0;
/// The lowest line of the body on a page without the footer block.
pub const PLAIN_FLOOR: f32 = 20.0;
pub const PT_PER_MM: f32 = 72.0 / 25.4;
/// Space between a reserved area and the text beside it.
const GUTTER: f32 = 3.0;

/// What a page draws, in mm from its bottom-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A rectangle, filled or stroked, in a gray level (0 black, 1 white).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: bool,
        gray: f32,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        rgb: [f32; 3],
    },
    /// The comune's coat of arms.
    Arms { x: f32, y: f32, w: f32, h: f32 },
    /// The preview's diagonal watermark.
    Watermark,
}

/// A rectangle of a page where body text may not go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub page: usize,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Area {
    fn overlaps_band(&self, page: usize, top: f32, bottom: f32) -> bool {
        self.page == page && bottom < self.y + self.h && top > self.y
    }
}

pub fn line_h(size: f32) -> f32 {
    size / PT_PER_MM * 1.4
}

pub fn face(bold: bool) -> &'static Face {
    if bold {
        &fonts().bold
    } else {
        &fonts().regular
    }
}

/// Greedy line breaking: words onto lines no wider than what `width` gives for each line; a
/// word wider than a whole line (a long e-mail address, a code) is broken where it must.
pub fn wrap_varying(
    face: &Face,
    size: f32,
    text: &str,
    mut width: impl FnMut(usize) -> f32,
) -> Vec<String> {
    let text = single_spaced(text);
    let mut rest = text.as_str();
    let mut lines = Vec::new();
    while !rest.is_empty() {
        let end = line_end(face, size, rest, width(lines.len()));
        lines.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    lines
}

/// The words of `text` separated by single spaces.
fn single_spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Where the first line of single-spaced `text` ends when no wider than `width`: after the
/// last whole word that fits, or inside a first word wider than the line.
fn line_end(face: &Face, size: f32, text: &str, width: f32) -> usize {
    let space = face.width(size, " ");
    let (mut used, mut end) = (0.0, 0);
    let mut start = 0;
    for word in text.split(' ') {
        let w = face.width(size, word);
        let add = if end == 0 { w } else { space + w };
        if used + add > width {
            return if end == 0 {
                longest_prefix(face, size, word, width)
            } else {
                end
            };
        }
        used += add;
        end = start + word.len();
        start = end + 1;
    }
    end
}

/// The byte length of the longest prefix of `word` no wider than `width` (one character at
/// least, so that breaking always advances).
fn longest_prefix(face: &Face, size: f32, word: &str, width: f32) -> usize {
    let mut end = word.chars().next().map_or(0, char::len_utf8);
    let mut used = 0.0;
    for (i, c) in word.char_indices() {
        used += face.char_width(size, c);
        if used > width {
            break;
        }
        end = i + c.len_utf8();
    }
    end
}

pub fn wrap(face: &Face, size: f32, text: &str, width: f32) -> Vec<String> {
    wrap_varying(face, size, text, |_| width)
}

/// The layout of a document, page by page.
pub struct Laid {
    pub pages: Vec<Vec<Draw>>,
}

struct Flow<'d> {
    doc: &'d Doc,
    pages: Vec<Vec<Draw>>,
    draws: Vec<Draw>,
    y: f32,
    reserved: Vec<Area>,
}

impl<'d> Flow<'d> {
    fn new(doc: &'d Doc, watermark: bool) -> Self {
        Flow {
            doc,
            pages: Vec::new(),
            draws: if watermark {
                vec![Draw::Watermark]
            } else {
                vec![]
            },
            y: TOP,
            reserved: Vec::new(),
        }
    }

    fn page(&self) -> usize {
        self.pages.len()
    }

    fn floor(&self) -> f32 {
        PLAIN_FLOOR
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.draws));
        self.y = CONTINUED_TOP;
        if self.doc.watermark {
            self.draws.push(Draw::Watermark);
        }
        let header = self.doc.running_header.clone();
        self.draws.push(Draw::Text {
            x: MARGIN,
            y: PAGE_H - 14.0,
            size: 8.5,
            bold: false,
            text: header,
        });
        self.rule(PAGE_H - 16.0, 0.4, [0.0, 0.4, 0.8]);
    }

    /// Makes room for `h` mm, on a new page when the current one has not enough.
    fn room(&mut self, h: f32) {
        if self.y - h < self.floor() {
            self.new_page();
        }
    }

    /// The right edge free for a band of this page.
    fn right_edge(&self, top: f32, bottom: f32) -> f32 {
        self.reserved
            .iter()
            .filter(|a| a.overlaps_band(self.page(), top, bottom))
            .map(|a| a.x - GUTTER)
            .fold(PAGE_W - MARGIN, f32::min)
    }

    /// Moves below every reserved area the band of height `h` would touch.
    fn clear_reserved(&mut self, h: f32) {
        let page = self.page();
        if let Some(bottom) = self
            .reserved
            .iter()
            .filter(|a| a.overlaps_band(page, self.y, self.y - h))
            .map(|a| a.y)
            .reduce(f32::min)
        {
            self.y = bottom - GUTTER;
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.draws.push(Draw::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }

    fn rule(&mut self, y: f32, width: f32, rgb: [f32; 3]) {
        self.draws.push(Draw::Line {
            from: (MARGIN, y),
            to: (PAGE_W - MARGIN, y),
            width,
            rgb,
        });
    }

    /// A paragraph from `x`, each line as wide as the page (and the reserved areas) allow.
    fn paragraph(&mut self, text: &str, bold: bool, size: f32, x: f32) {
        let f = face(bold);
        let lh = line_h(size);
        // Each line is as wide as its band allows.
        let text = single_spaced(text);
        let mut rest = text.as_str();
        while !rest.is_empty() {
            self.room(lh);
            let right = self.right_edge(self.y, self.y - lh);
            let end = line_end(f, size, rest, right - x);
            self.y -= lh;
            self.text(x, self.y, size, bold, &rest[..end]);
            rest = rest[end..].trim_start();
        }
    }

    fn centered(&mut self, text: &str, bold: bool, size: f32) {
        let f = face(bold);
        for line in wrap(f, size, text, TEXT_W) {
            let h = size / PT_PER_MM * 1.35;
            self.room(h);
            self.y -= h;
            let x = (PAGE_W - f.width(size, &line)) / 2.0;
            self.text(x, self.y, size, bold, &line);
        }
    }

    fn part(&mut self, part: &Part) {
        match part {
            Part::Arms { height } => {
                let w = height * self.doc.arms_ratio;
                self.room(*height);
                self.y -= height;
                self.draws.push(Draw::Arms {
                    x: (PAGE_W - w) / 2.0,
                    y: self.y,
                    w,
                    h: *height,
                });
            }
            Part::Centered { text, bold, size } => self.centered(text, *bold, *size),
            Part::HeaderRule => {
                let y = self.y;
                self.rule(y, 1.5, [0.0, 0.4, 0.8]);
            }
            Part::BolloBox => self.bollo_box(),
            Part::Title(t) => self.paragraph(t, true, 14.0, MARGIN),
            Part::Para {
                text,
                bold,
                size,
                indent,
            } => self.paragraph(text, *bold, *size, MARGIN + indent),
            Part::Table { header, rows } => self.table(header, rows),
            Part::Check(text) => self.check(text),
            Part::WritingLines(n) => self.writing_lines(*n),
            Part::Boxed(texts) => self.boxed(texts),
            Part::Gap(mm) => self.y -= mm,
            Part::KeepWithFooter => {}
        }
    }

    /// The box for the marca da bollo, at the right; what follows flows beside and below it.
    fn bollo_box(&mut self) {
        let (w, h) = (28.0, 32.0);
        let (x, top) = (PAGE_W - MARGIN - w, self.y - 4.0);
        self.draws.push(Draw::Rect {
            x,
            y: top - h,
            w,
            h,
            fill: false,
            gray: 0.0,
        });
        self.text(x + 2.0, top - h + 5.0, 7.0, false, "Spazio per la");
        self.text(x + 2.0, top - h + 2.0, 7.0, false, "marca da bollo");
        self.reserved.push(Area {
            page: self.page(),
            x,
            y: top - h,
            w,
            h,
        });
    }

    fn check(&mut self, text: &str) {
        let size = 10.5;
        let lines = wrap(face(false), size, text, TEXT_W - 8.0);
        self.room(line_h(size));
        let top = self.y;
        self.draws.push(Draw::Rect {
            x: MARGIN,
            y: top - 4.2,
            w: 3.4,
            h: 3.4,
            fill: false,
            gray: 0.0,
        });
        let (l, r, hi, lo) = (MARGIN + 0.6, MARGIN + 2.8, top - 1.4, top - 3.6);
        for (from, to) in [((l, lo), (r, hi)), ((l, hi), (r, lo))] {
            self.draws.push(Draw::Line {
                from,
                to,
                width: 0.6,
                rgb: [0.0; 3],
            });
        }
        for line in lines {
            self.room(line_h(size));
            self.y -= line_h(size);
            self.text(MARGIN + 6.0, self.y, size, false, &line);
        }
    }

    fn writing_lines(&mut self, n: usize) {
        for _ in 0..n {
            self.room(8.0);
            self.y -= 8.0;
            let y = self.y;
            self.rule(y, 0.3, [0.0; 3]);
        }
    }

    fn boxed(&mut self, texts: &[String]) {
        let size = 9.5;
        let wrapped: Vec<Vec<String>> = texts
            .iter()
            .map(|t| wrap(face(false), size, t, TEXT_W - 6.0))
            .collect();
        let h = wrapped.iter().map(Vec::len).sum::<usize>() as f32 * line_h(size) + 6.0;
        self.room(h);
        let top = self.y;
        self.draws.push(Draw::Rect {
            x: MARGIN,
            y: top - h,
            w: TEXT_W,
            h,
            fill: false,
            gray: 0.0,
        });
        self.y -= 2.0;
        for line in wrapped.iter().flatten() {
            self.y -= line_h(size);
            self.text(MARGIN + 3.0, self.y, size, false, line);
        }
        self.y = top - h;
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let cols = header.len().max(1);
        // The name and the birth columns get more room.
        let weights: Vec<f32> = (0..cols).map(|i| if i < 2 { 1.4 } else { 1.0 }).collect();
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| TEXT_W * w / total).collect();
        let head = self.cells(header, &widths, true);
        let body: Vec<_> = rows.iter().map(|r| self.cells(r, &widths, false)).collect();
        let first = body.first().map_or(0.0, |r| r.1);
        // The header never stays alone at the bottom of a page.
        self.clear_reserved(head.1 + first);
        self.room(head.1 + first);
        self.row(&head, &widths, true);
        for row in &body {
            self.clear_reserved(row.1);
            if self.y - row.1 < self.floor() {
                self.new_page();
                self.row(&head, &widths, true);
            }
            self.row(row, &widths, false);
        }
    }

    /// The wrapped cells of a row and its height.
    fn cells(&self, cells: &[String], widths: &[f32], bold: bool) -> (Vec<Vec<String>>, f32) {
        let size = TABLE_SIZE;
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| wrap(face(bold), size, c, w - 2.0))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h(size) + 1.5;
        (wrapped, height)
    }

    fn row(&mut self, (cells, height): &(Vec<Vec<String>>, f32), widths: &[f32], bold: bool) {
        let lh = line_h(TABLE_SIZE);
        let top = self.y;
        let mut x = MARGIN;
        for (cell, w) in cells.iter().zip(widths) {
            for (i, line) in cell.iter().enumerate() {
                self.text(x + 1.0, top - lh * (i as f32 + 1.0), TABLE_SIZE, bold, line);
            }
            x += w;
        }
        self.y = top - height;
        let y = self.y;
        self.rule(y, if bold { 0.8 } else { 0.3 }, [0.0; 3]);
    }
}

const TABLE_SIZE: f32 = 9.5;

fn flow_parts(f: &mut Flow, parts: &[Part]) {
    for part in parts {
        f.part(part);
    }
}

/// The height the parts take from the top of an empty page.
fn height_of(doc: &Doc, parts: &[Part]) -> f32 {
    let mut f = Flow::new(doc, false);
    flow_parts(&mut f, parts);
    TOP - f.y
}

/// The pages of a document whose last page carries a footer block `footer_h` mm high above
/// the bottom margin. The body flows on full pages; the parts after `KeepWithFooter` (place,
/// date, signature) stay with the footer block: on the body's last page when they fit above
/// it, otherwise together on a new last page.
pub fn paginate(doc: &Doc, footer_h: f32) -> Laid {
    let split = doc
        .parts
        .iter()
        .position(|p| *p == Part::KeepWithFooter)
        .unwrap_or(doc.parts.len());
    let (body, tail) = doc.parts.split_at(split);
    let mut f = Flow::new(doc, doc.watermark);
    flow_parts(&mut f, body);
    if footer_h > 0.0 {
        let needed = height_of(doc, tail) + footer_h;
        if f.y - needed < PLAIN_FLOOR {
            f.new_page();
        }
    }
    flow_parts(&mut f, tail);
    f.pages.push(f.draws);
    Laid { pages: f.pages }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_wider_than_the_line_is_broken_and_nothing_is_lost() {
        let f = face(false);
        let long = "indirizzo.di.posta.elettronica.molto.lungo.davvero@pec.comune.valdemo.si.it";
        let text = format!("Scrivere a {long} entro oggi.");
        let lines = wrap(f, 11.0, &text, 40.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(f.width(11.0, line) <= 40.0, "{line:?}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }
}
