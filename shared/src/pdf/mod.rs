//! Certificate layout with printpdf: A4, the municipality's header, the body, the legal
//! wording and the footer glyph (vector QR code, ID, PIN, how to verify). Fonts are
//! Titillium Web (OFL, `shared/assets/fonts`), embedded as subsets.

pub mod pades;

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};
use qrcode::{EcLevel, QrCode};

use crate::domain::certificate::{Block, Content, Stamp};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/TitilliumWeb-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/TitilliumWeb-Bold.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Lowest y the body may reach before the footer glyph.
const BODY_FLOOR: f32 = 62.0;
const PT_PER_MM: f32 = 72.0 / 25.4;

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

/// Parsed once: parsing a TTF costs more than laying out a page.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut w = Vec::new();
        Fonts {
            regular: ParsedFont::from_bytes(REGULAR, 0, &mut w).expect("embedded font parses"),
            bold: ParsedFont::from_bytes(BOLD, 0, &mut w).expect("embedded font parses"),
        }
    })
}

/// Width in mm of `s` at `size` pt.
fn text_width(font: &ParsedFont, size: f32, s: &str) -> f32 {
    let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
    let units: f32 = s
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .map_or(upem / 2.0, |g| f32::from(font.get_horizontal_advance(g)))
        })
        .sum();
    units / upem * size / PT_PER_MM
}

/// Splits text into lines no wider than `width` mm.
fn wrap(font: &ParsedFont, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(font, size, &candidate) > width {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// A page being laid out from the top down.
struct Page {
    ops: Vec<Op>,
    y: f32,
    regular: FontId,
    bold: FontId,
}

impl Page {
    fn text_at(&mut self, bold: bool, size: f32, x: f32, y: f32, s: &str) {
        let font = if bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    fn centered(&mut self, bold: bool, size: f32, s: &str) {
        let f = if bold {
            &fonts().bold
        } else {
            &fonts().regular
        };
        let x = (PAGE_W - text_width(f, size, s)) / 2.0;
        self.y -= size / PT_PER_MM * 1.35;
        self.text_at(bold, size, x, self.y, s);
    }

    /// A wrapped paragraph at `x` with width `w`; returns the lines used.
    fn paragraph(&mut self, bold: bool, size: f32, x: f32, w: f32, s: &str) -> usize {
        let f = if bold {
            &fonts().bold
        } else {
            &fonts().regular
        };
        let lines = wrap(f, size, s, w);
        for line in &lines {
            self.y -= size / PT_PER_MM * 1.4;
            self.text_at(bold, size, x, self.y, line);
        }
        lines.len()
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.ops.extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point::new(Mm(x1), Mm(y)),
                            bezier: false,
                        },
                        LinePoint {
                            p: Point::new(Mm(x2), Mm(y)),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, mode: PaintMode) {
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(mode),
                ..Rect::from_xywh(Mm(x).into(), Mm(y).into(), Mm(w).into(), Mm(h).into())
            },
        });
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let cols = header.len().max(1);
        // The first two columns get more room.
        let weights: Vec<f32> = (0..cols).map(|i| if i < 2 { 1.4 } else { 1.0 }).collect();
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| TEXT_W * w / total).collect();
        let size = 9.5;
        let line_h = size / PT_PER_MM * 1.4;
        for (r, row) in std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .enumerate()
        {
            let bold = r == 0;
            let f = if bold {
                &fonts().bold
            } else {
                &fonts().regular
            };
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| wrap(f, size, c, w - 2.0))
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 1.5;
            let top = self.y;
            let mut x = MARGIN;
            for (cell, w) in cells.iter().zip(&widths) {
                for (i, line) in cell.iter().enumerate() {
                    self.text_at(bold, size, x + 1.0, top - line_h * (i as f32 + 1.0), line);
                }
                x += w;
            }
            self.y = top - height;
            self.rule(
                MARGIN,
                PAGE_W - MARGIN,
                self.y,
                if bold { 0.8 } else { 0.3 },
            );
        }
    }
}

/// Vector QR code: one filled rectangle per horizontal run of dark modules.
fn qr_ops(url: &str, x: f32, y: f32, size: f32) -> Vec<Op> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .expect("URL fits a QR code");
    let n = code.width();
    let quiet = 4;
    let module = size / (n + 2 * quiet) as f32;
    let colors = code.to_colors();
    let mut ops = vec![Op::SetFillColor {
        col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
    }];
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let rx = x + (start + quiet) as f32 * module;
                let ry = y + size - (row + quiet + 1) as f32 * module;
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        mode: Some(PaintMode::Fill),
                        ..Rect::from_xywh(
                            Mm(rx).into(),
                            Mm(ry).into(),
                            Mm((col - start) as f32 * module).into(),
                            Mm(module).into(),
                        )
                    },
                });
            } else {
                col += 1;
            }
        }
    }
    ops
}

fn pdf_date(t: DateTime<Utc>) -> printpdf::OffsetDateTime {
    printpdf::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or_else(|_| printpdf::OffsetDateTime::from_unix_timestamp(0).expect("epoch"))
}

/// Renders a certificate. With `stamp` the footer carries the QR code, ID and PIN; without
/// it (a preview) the page carries a large diagonal "ANTEPRIMA" and no verification data.
pub fn render(content: &Content, stamp: Option<&Stamp>, issued_at: DateTime<Utc>) -> Vec<u8> {
    let f = fonts();
    let mut doc = PdfDocument::new(&content.title);
    doc.metadata.info.creation_date = pdf_date(issued_at);
    doc.metadata.info.modification_date = pdf_date(issued_at);
    doc.metadata.info.metadata_date = pdf_date(issued_at);
    doc.metadata.info.author = content.municipality.clone();
    doc.metadata.info.creator = "Anagrafe online".into();
    doc.metadata.info.producer = "Anagrafe online".into();
    doc.metadata.info.subject = content.title.clone();
    let regular = doc.add_font(&f.regular);
    let bold = doc.add_font(&f.bold);
    let mut page = Page {
        ops: Vec::new(),
        y: PAGE_H - 14.0,
        regular,
        bold,
    };
    if stamp.is_none() {
        // The preview watermark, drawn first so the text stays readable over it.
        page.ops.extend([
            Op::SaveGraphicsState,
            Op::SetFillColor {
                col: Color::Rgb(Rgb::new(0.85, 0.85, 0.85, None)),
            },
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(page.bold.clone()),
                size: Pt(96.0),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::TranslateRotate(Mm(42.0).into(), Mm(70.0).into(), 45.0),
            },
            Op::ShowText {
                items: vec![TextItem::Text("ANTEPRIMA".into())],
            },
            Op::EndTextSection,
            Op::RestoreGraphicsState,
        ]);
    }
    let black = Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None));
    let blue = Color::Rgb(Rgb::new(0.0, 0.4, 0.8, None));

    // Header.
    page.ops.push(Op::SetFillColor { col: black.clone() });
    page.centered(true, 16.0, &content.municipality);
    page.centered(false, 10.5, &content.province);
    page.centered(false, 10.5, &content.office);
    page.gap(3.0);
    page.ops.push(Op::SetOutlineColor { col: blue });
    page.rule(MARGIN, PAGE_W - MARGIN, page.y, 1.5);
    page.ops.push(Op::SetOutlineColor { col: black.clone() });
    if content.bollo_box {
        // The space where the holder sticks and cancels the physical marca.
        page.rect(
            PAGE_W - MARGIN - 28.0,
            page.y - 36.0,
            28.0,
            32.0,
            PaintMode::Stroke,
        );
        page.text_at(
            false,
            7.0,
            PAGE_W - MARGIN - 26.0,
            page.y - 31.0,
            "Spazio per la",
        );
        page.text_at(
            false,
            7.0,
            PAGE_W - MARGIN - 26.0,
            page.y - 34.0,
            "marca da bollo",
        );
    }
    page.gap(10.0);
    let title_w = if content.bollo_box {
        TEXT_W - 32.0
    } else {
        TEXT_W
    };
    page.paragraph(true, 14.0, MARGIN, title_w, &content.title);
    page.gap(6.0);
    page.paragraph(false, 10.5, MARGIN, title_w, &content.intro);
    page.gap(2.0);
    for block in &content.blocks {
        match block {
            Block::Paragraph(t) => {
                page.paragraph(false, 11.0, MARGIN + 5.0, TEXT_W - 5.0, t);
            }
            Block::Table { header, rows } => {
                page.gap(2.0);
                page.table(header, rows);
            }
        }
        page.gap(2.0);
    }
    page.gap(4.0);
    for (bold, t) in [
        (false, content.uso.as_str()),
        (false, content.bollo.as_str()),
        (true, content.art40.as_str()),
        (false, content.validity.as_str()),
    ] {
        page.paragraph(bold, 9.5, MARGIN, TEXT_W, t);
        page.gap(1.5);
    }
    page.gap(3.0);
    page.paragraph(false, 10.5, MARGIN, TEXT_W, &content.place_date);
    page.paragraph(false, 9.5, MARGIN, TEXT_W, &content.signature);
    debug_assert!(page.y > BODY_FLOOR, "body overflows into the footer");

    // Footer glyph.
    page.rule(MARGIN, PAGE_W - MARGIN, 54.0, 0.5);
    let text_x = MARGIN + 38.0;
    let text_w = TEXT_W - 38.0;
    match stamp {
        Some(s) => {
            page.ops.extend(qr_ops(&s.url, MARGIN, 16.0, 34.0));
            page.text_at(
                true,
                10.0,
                text_x,
                46.0,
                &format!("ID certificato: {}", s.id),
            );
            page.text_at(true, 10.0, text_x, 40.5, &format!("PIN: {}", s.pin));
            page.y = 38.0;
            page.paragraph(false, 8.5, text_x, text_w, &format!(
                "Verifica dell'autenticità: inquadra il codice QR, oppure apri {} e inserisci l'ID o il PIN con cognome e nome della persona a cui si riferisce il certificato. La verifica restituisce l'originale informatico firmato ed è disponibile per sei mesi dalla data di rilascio.",
                s.verify_page
            ));
        }
        None => {
            page.text_at(
                true,
                10.0,
                text_x,
                46.0,
                "ANTEPRIMA – documento senza valore legale",
            );
            page.y = 44.0;
            page.paragraph(false, 8.5, text_x, text_w, "Questa anteprima non è firmata, non è archiviata e non può essere verificata. Il certificato valido riporta qui il codice QR, l'ID e il PIN di verifica.");
        }
    }

    let pdf_page = PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), page.ops);
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    doc.with_pages(vec![pdf_page]).save(&opts, &mut warnings)
}
