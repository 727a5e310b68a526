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

/// One piece of a document, laid out from the top down.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Centered {
        text: String,
        bold: bool,
        size: f32,
    },
    /// The blue rule under the header.
    HeaderRule,
    /// The box where the holder sticks the marca da bollo (right of the title).
    BolloBox,
    Title(String),
    Para {
        text: String,
        bold: bool,
        size: f32,
        indent: f32,
    },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A ticked box followed by its text.
    Check(String),
    /// Empty ruled lines to write on.
    WritingLines(usize),
    /// Text in a bordered box (e.g. the authentication of a signature).
    Boxed(Vec<String>),
    Gap(f32),
}

impl Part {
    pub fn para(text: impl Into<String>, size: f32) -> Part {
        Part::Para {
            text: text.into(),
            bold: false,
            size,
            indent: 0.0,
        }
    }

    pub fn bold(text: impl Into<String>, size: f32) -> Part {
        Part::Para {
            text: text.into(),
            bold: true,
            size,
            indent: 0.0,
        }
    }
}

/// What the bottom of the last page carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Footer {
    /// The digital stamp: QR code, ID, PIN and how to verify.
    Stamp(Stamp),
    /// A preview: "ANTEPRIMA" across every page and no verification data.
    Preview,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub author: String,
    pub parts: Vec<Part>,
    pub footer: Footer,
}

const TOP: f32 = PAGE_H - 14.0;
const PLAIN_FLOOR: f32 = 22.0;

/// Pages being laid out.
struct Layout {
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    floor: f32,
    watermark: bool,
    narrow_title: bool,
    regular: FontId,
    bold: FontId,
}

impl Layout {
    fn font(bold: bool) -> &'static ParsedFont {
        if bold {
            &fonts().bold
        } else {
            &fonts().regular
        }
    }

    fn line_h(size: f32) -> f32 {
        size / PT_PER_MM * 1.4
    }

    fn start_page(&mut self) {
        self.ops = vec![Op::SetFillColor {
            col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
        }];
        if self.watermark {
            // Drawn first so the text stays readable over it.
            self.ops.extend([
                Op::SaveGraphicsState,
                Op::SetFillColor {
                    col: Color::Rgb(Rgb::new(0.85, 0.85, 0.85, None)),
                },
                Op::StartTextSection,
                Op::SetFont {
                    font: PdfFontHandle::External(self.bold.clone()),
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
        self.y = TOP;
    }

    /// Makes room for `h` mm, starting a new page when needed.
    fn room(&mut self, h: f32) {
        if self.y - h < self.floor {
            self.pages.push(std::mem::take(&mut self.ops));
            self.start_page();
        }
    }

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

    fn lines(&mut self, bold: bool, size: f32, x: f32, lines: &[String]) {
        for line in lines {
            self.room(Self::line_h(size));
            self.y -= Self::line_h(size);
            self.text_at(bold, size, x, self.y, line);
        }
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.segment((x1, y), (x2, y), thickness);
    }

    fn segment(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), thickness: f32) {
        let point = |x: f32, y: f32| LinePoint {
            p: Point::new(Mm(x), Mm(y)),
            bezier: false,
        };
        self.ops.extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x1, y1), point(x2, y2)],
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
        let line_h = Self::line_h(size);
        for (r, row) in std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .enumerate()
        {
            let bold = r == 0;
            let f = Self::font(bold);
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| wrap(f, size, c, w - 2.0))
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 1.5;
            self.room(height);
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

    /// A ticked box and its statement.
    fn check(&mut self, text: &str) {
        let lines = wrap(Self::font(false), 10.5, text, TEXT_W - 8.0);
        self.room(Self::line_h(10.5));
        let top = self.y;
        self.rect(MARGIN, top - 4.2, 3.4, 3.4, PaintMode::Stroke);
        let (l, r, hi, lo) = (MARGIN + 0.6, MARGIN + 2.8, top - 1.4, top - 3.6);
        self.segment((l, lo), (r, hi), 0.6);
        self.segment((l, hi), (r, lo), 0.6);
        self.lines(false, 10.5, MARGIN + 6.0, &lines);
    }

    /// Paragraphs in a frame (the official's authentication box).
    fn boxed(&mut self, texts: &[String]) {
        let wrapped: Vec<Vec<String>> = texts
            .iter()
            .map(|t| wrap(Self::font(false), 9.5, t, TEXT_W - 6.0))
            .collect();
        let h = wrapped.iter().map(Vec::len).sum::<usize>() as f32 * Self::line_h(9.5) + 6.0 + 10.0;
        self.room(h);
        let top = self.y;
        self.rect(MARGIN, top - h, TEXT_W, h, PaintMode::Stroke);
        self.y -= 2.0;
        for lines in &wrapped {
            self.lines(false, 9.5, MARGIN + 3.0, lines);
        }
        self.y = top - h;
    }

    fn part(&mut self, part: &Part) {
        match part {
            Part::Centered { text, bold, size } => {
                let x = (PAGE_W - text_width(Self::font(*bold), *size, text)) / 2.0;
                self.room(size / PT_PER_MM * 1.35);
                self.y -= size / PT_PER_MM * 1.35;
                self.text_at(*bold, *size, x, self.y, text);
            }
            Part::HeaderRule => {
                self.ops.push(Op::SetOutlineColor {
                    col: Color::Rgb(Rgb::new(0.0, 0.4, 0.8, None)),
                });
                let y = self.y;
                self.rule(MARGIN, PAGE_W - MARGIN, y, 1.5);
                self.ops.push(Op::SetOutlineColor {
                    col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
                });
            }
            Part::BolloBox => {
                let (x, y) = (PAGE_W - MARGIN - 28.0, self.y);
                self.rect(x, y - 36.0, 28.0, 32.0, PaintMode::Stroke);
                self.text_at(false, 7.0, x + 2.0, y - 31.0, "Spazio per la");
                self.text_at(false, 7.0, x + 2.0, y - 34.0, "marca da bollo");
                self.narrow_title = true;
            }
            Part::Title(t) => {
                let w = if self.narrow_title {
                    TEXT_W - 32.0
                } else {
                    TEXT_W
                };
                let lines = wrap(Self::font(true), 14.0, t, w);
                self.lines(true, 14.0, MARGIN, &lines);
            }
            Part::Para {
                text,
                bold,
                size,
                indent,
            } => {
                let w = if self.narrow_title {
                    TEXT_W - 32.0
                } else {
                    TEXT_W
                } - indent;
                let lines = wrap(Self::font(*bold), *size, text, w);
                self.lines(*bold, *size, MARGIN + indent, &lines);
                self.narrow_title = false;
            }
            Part::Table { header, rows } => self.table(header, rows),
            Part::Check(text) => self.check(text),
            Part::WritingLines(n) => {
                for _ in 0..*n {
                    self.room(8.0);
                    self.y -= 8.0;
                    let y = self.y;
                    self.rule(MARGIN, PAGE_W - MARGIN, y, 0.3);
                }
            }
            Part::Boxed(texts) => self.boxed(texts),
            Part::Gap(mm) => self.y -= mm,
        }
    }

    /// The footer of the last page.
    fn footer(&mut self, footer: &Footer) {
        let text_x = MARGIN + 38.0;
        let text_w = TEXT_W - 38.0;
        match footer {
            Footer::None => {}
            Footer::Stamp(s) => {
                self.rule(MARGIN, PAGE_W - MARGIN, 54.0, 0.5);
                self.ops.extend(qr_ops(&s.url, MARGIN, 16.0, 34.0));
                self.text_at(
                    true,
                    10.0,
                    text_x,
                    46.0,
                    &format!("ID certificato: {}", s.id),
                );
                self.text_at(true, 10.0, text_x, 40.5, &format!("PIN: {}", s.pin));
                self.y = 38.0;
                let lines = wrap(Self::font(false), 8.5, &format!(
                    "Verifica dell'autenticità: inquadra il codice QR, oppure apri {} e inserisci l'ID o il PIN con cognome e nome della persona a cui si riferisce il certificato. La verifica restituisce l'originale informatico firmato ed è disponibile per sei mesi dalla data di rilascio.",
                    s.verify_page
                ), text_w);
                self.lines(false, 8.5, text_x, &lines);
            }
            Footer::Preview => {
                self.rule(MARGIN, PAGE_W - MARGIN, 54.0, 0.5);
                self.text_at(
                    true,
                    10.0,
                    text_x,
                    46.0,
                    "ANTEPRIMA – documento senza valore legale",
                );
                self.y = 44.0;
                let lines = wrap(Self::font(false), 8.5, "Questa anteprima non è firmata, non è archiviata e non può essere verificata. Il certificato valido riporta qui il codice QR, l'ID e il PIN di verifica.", text_w);
                self.lines(false, 8.5, text_x, &lines);
            }
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

/// Renders a document on as many A4 pages as it needs; the footer goes on the last one,
/// the preview watermark on every one, and "Pagina N di M" when there are several.
pub fn render_doc(d: &Doc, at: DateTime<Utc>) -> Vec<u8> {
    let f = fonts();
    let mut doc = PdfDocument::new(&d.title);
    let date = pdf_date(at);
    doc.metadata.info.creation_date = date;
    doc.metadata.info.modification_date = date;
    doc.metadata.info.metadata_date = date;
    doc.metadata.info.author = d.author.clone();
    doc.metadata.info.creator = "Anagrafe online".into();
    doc.metadata.info.producer = "Anagrafe online".into();
    doc.metadata.info.subject = d.title.clone();
    let regular = doc.add_font(&f.regular);
    let bold = doc.add_font(&f.bold);
    let mut l = Layout {
        pages: Vec::new(),
        ops: Vec::new(),
        y: TOP,
        floor: if d.footer == Footer::None {
            PLAIN_FLOOR
        } else {
            BODY_FLOOR
        },
        watermark: d.footer == Footer::Preview,
        narrow_title: false,
        regular,
        bold,
    };
    l.start_page();
    for part in &d.parts {
        l.part(part);
    }
    l.footer(&d.footer);
    l.pages.push(std::mem::take(&mut l.ops));
    let n = l.pages.len();
    let page_font = l.regular.clone();
    let pages: Vec<PdfPage> = l
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            if n > 1 {
                let label = format!("Pagina {} di {n}", i + 1);
                let x = PAGE_W - MARGIN - text_width(&f.regular, 8.0, &label);
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont {
                        font: PdfFontHandle::External(page_font.clone()),
                        size: Pt(8.0),
                    },
                    Op::SetTextCursor {
                        pos: Point::new(Mm(x), Mm(10.0)),
                    },
                    Op::ShowText {
                        items: vec![TextItem::Text(label)],
                    },
                    Op::EndTextSection,
                ]);
            }
            PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)
        })
        .collect();
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    doc.with_pages(pages).save(&opts, &mut warnings)
}

/// The certificate as a document.
pub fn certificate_doc(content: &Content, stamp: Option<&Stamp>) -> Doc {
    let mut parts = vec![
        Part::Centered {
            text: content.municipality.clone(),
            bold: true,
            size: 16.0,
        },
        Part::Centered {
            text: content.province.clone(),
            bold: false,
            size: 10.5,
        },
        Part::Centered {
            text: content.office.clone(),
            bold: false,
            size: 10.5,
        },
        Part::Gap(3.0),
        Part::HeaderRule,
    ];
    if content.bollo_box {
        parts.push(Part::BolloBox);
    }
    parts.extend([
        Part::Gap(10.0),
        Part::Title(content.title.clone()),
        Part::Gap(6.0),
        Part::para(&content.intro, 10.5),
        Part::Gap(2.0),
    ]);
    for block in &content.blocks {
        match block {
            Block::Paragraph(t) => parts.push(Part::Para {
                text: t.clone(),
                bold: false,
                size: 11.0,
                indent: 5.0,
            }),
            Block::Table { header, rows } => {
                parts.push(Part::Gap(2.0));
                parts.push(Part::Table {
                    header: header.clone(),
                    rows: rows.clone(),
                });
            }
        }
        parts.push(Part::Gap(2.0));
    }
    parts.push(Part::Gap(4.0));
    for (bold, t) in [
        (false, &content.uso),
        (false, &content.bollo),
        (true, &content.art40),
        (false, &content.validity),
    ] {
        parts.push(Part::Para {
            text: t.clone(),
            bold,
            size: 9.5,
            indent: 0.0,
        });
        parts.push(Part::Gap(1.5));
    }
    parts.extend([
        Part::Gap(3.0),
        Part::para(&content.place_date, 10.5),
        Part::para(&content.signature, 9.5),
    ]);
    Doc {
        title: content.title.clone(),
        author: content.municipality.clone(),
        parts,
        footer: stamp.map_or(Footer::Preview, |s| Footer::Stamp(s.clone())),
    }
}

/// Renders a certificate. With `stamp` the footer carries the QR code, ID and PIN; without
/// it (a preview) the pages carry a large diagonal "ANTEPRIMA" and no verification data.
pub fn render(content: &Content, stamp: Option<&Stamp>, issued_at: DateTime<Utc>) -> Vec<u8> {
    render_doc(&certificate_doc(content, stamp), issued_at)
}
