//! Documents as PDF: A4 pages laid out by the project's own page model (`layout`) with the
//! fonts subset once per process (`fonts`), written directly with pdf-writer (`write`),
//! and for certificates sealed in place (`pades`): the signature dictionary and its
//! placeholder are written with the document, so sealing never parses it again.

pub mod arms;
mod fonts;
mod layout;
pub mod pades;
mod seal_check;
mod write;

use chrono::{DateTime, Utc};

use crate::domain::certificate::{Block, Content, Stamp};
pub use arms::Arms;
use layout::{face, line_h, paginate, wrap, Draw, MARGIN, PAGE_W, PLAIN_FLOOR};
pub use write::{Rendered, SignatureField};

/// One piece of a document, laid out from the top down.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// The comune's coat of arms, centred, this many mm high.
    Arms {
        height: f32,
    },
    Centered {
        text: String,
        bold: bool,
        size: f32,
    },
    /// The blue rule under the header.
    HeaderRule,
    /// The box where the holder sticks the marca da bollo (at the right; the text beside it
    /// is narrower, a table starts below it).
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
    /// What follows (place, date, signature) stays on the page of the footer block.
    KeepWithFooter,
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
    /// The digital stamp: QR code, ID, PIN, how to verify, and what the printed stamp is.
    Stamp(Stamp),
    /// A preview: "ANTEPRIMA" across every page and no verification data.
    Preview,
    /// A QR code of `payload` with lines beside it (a pagoPA payment notice).
    Qr {
        payload: String,
        lines: Vec<(bool, String)>,
    },
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub author: String,
    /// The line at the top of continuation pages.
    pub running_header: String,
    pub parts: Vec<Part>,
    pub footer: Footer,
    pub watermark: bool,
    /// Width over height of the coat of arms.
    pub arms_ratio: f32,
}

const QR_SIZE: f32 = 32.0;
const STAMP_TEXT_X: f32 = MARGIN + QR_SIZE + 4.0;

/// The footer block's lines: (bold, text).
fn footer_lines(footer: &Footer) -> Vec<(bool, String)> {
    match footer {
        Footer::None => vec![],
        Footer::Qr { lines, .. } => lines.clone(),
        Footer::Stamp(s) => vec![
            (true, format!("ID certificato: {}     PIN: {}", s.id, s.pin)),
            (false, "Contrassegno elettronico (timbro digitale) del documento informatico originale, sigillato dal Comune. Ai sensi dell'art. 23, comma 2-bis, del D.Lgs. 7 marzo 2005, n. 82, il contrassegno stampato sulla copia cartacea sostituisce a tutti gli effetti di legge la sottoscrizione autografa e consente di verificare la corrispondenza della copia all'originale.".into()),
            (false, format!("Come verificarlo: inquadra il codice QR, oppure apri {} e inserisci l'ID o il PIN con cognome e nome della persona; si ottiene l'originale firmato. La verifica online è disponibile per sei mesi dalla data di rilascio.", s.verify_page)),
        ],
        Footer::Preview => vec![
            (true, "ANTEPRIMA – documento senza valore legale".into()),
            (false, "Questa anteprima non è firmata, non è archiviata e non può essere verificata. Il certificato valido riporta qui il contrassegno elettronico: il codice QR, l'ID e il PIN di verifica, con la spiegazione del loro valore legale (art. 23, comma 2-bis, D.Lgs. 82/2005).".into()),
        ],
    }
}

/// The footer block of the last page and its height above the bottom margin.
fn footer_block(footer: &Footer) -> (Vec<Draw>, f32) {
    if *footer == Footer::None {
        return (vec![], 0.0);
    }
    let width = PAGE_W - MARGIN - STAMP_TEXT_X;
    let mut lines: Vec<(bool, f32, String)> = Vec::new();
    for (bold, text) in footer_lines(footer) {
        let size = if bold { 10.0 } else { 8.5 };
        lines.extend(
            wrap(face(bold), size, &text, width)
                .into_iter()
                .map(|l| (bold, size, l)),
        );
    }
    let text_h: f32 = lines.iter().map(|(_, size, _)| line_h(*size)).sum();
    let height = text_h.max(QR_SIZE) + 4.0;
    let top = PLAIN_FLOOR + height;
    let mut draws = vec![Draw::Line {
        from: (MARGIN, top),
        to: (PAGE_W - MARGIN, top),
        width: 0.5,
        rgb: [0.0; 3],
    }];
    let mut y = top - 2.0;
    for (bold, size, text) in lines {
        y -= line_h(size);
        draws.push(Draw::Text {
            x: STAMP_TEXT_X,
            y,
            size,
            bold,
            text,
        });
    }
    let qr = match footer {
        Footer::Stamp(s) => Some(&s.url),
        Footer::Qr { payload, .. } => Some(payload),
        _ => None,
    };
    if let Some(text) = qr {
        draws.extend(qr_draws(text, MARGIN, top - 2.0 - QR_SIZE, QR_SIZE));
    }
    (draws, height + 2.0)
}

/// Vector QR code (error correction M, the best mask as the standard chooses it): one filled
/// rectangle per horizontal run of dark modules, inside a quiet zone of four modules.
pub(crate) fn qr_draws(text: &str, x: f32, y: f32, size: f32) -> Vec<Draw> {
    let code = fast_qr::QRBuilder::new(text.as_bytes())
        .ecl(fast_qr::ECL::M)
        .build()
        .expect("a verification link fits a QR code");
    let n = code.size;
    let quiet = 4;
    let module = size / (n + 2 * quiet) as f32;
    let dark = |row: usize, col: usize| code.data[row * n + col].value();
    let mut out = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !dark(row, col) {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && dark(row, col) {
                col += 1;
            }
            out.push(Draw::Rect {
                x: x + (start + quiet) as f32 * module,
                y: y + size - (row + quiet + 1) as f32 * module,
                w: (col - start) as f32 * module,
                h: module,
                fill: true,
                gray: 0.0,
            });
        }
    }
    out
}

/// Lays out and writes a document; with `signature` the PDF carries the signature field and
/// the placeholders `pades::seal` fills.
pub fn render_doc(
    d: &Doc,
    at: DateTime<Utc>,
    arms: Option<&Arms>,
    signature: Option<&SignatureField>,
) -> Rendered {
    let (footer, footer_h) = footer_block(&d.footer);
    let mut laid = paginate(d, footer_h);
    if let Some(last) = laid.pages.last_mut() {
        last.extend(footer);
    }
    write::write(d, &laid.pages, at, arms, signature)
}

/// The header of the comune's documents: the coat of arms (when there is one), the
/// comune, the province, the office, and the blue rule.
pub fn letterhead(municipality: &str, province: &str, office: &str, arms: bool) -> Vec<Part> {
    let mut parts = Vec::new();
    if arms {
        parts.extend([Part::Arms { height: 16.0 }, Part::Gap(1.5)]);
    }
    for (text, bold, size) in [
        (municipality, true, 16.0),
        (province, false, 10.5),
        (office, false, 10.5),
    ] {
        parts.push(Part::Centered {
            text: text.to_string(),
            bold,
            size,
        });
    }
    parts.extend([Part::Gap(3.0), Part::HeaderRule]);
    parts
}

/// The header of a certificate.
fn certificate_header(content: &Content, arms: Option<&Arms>) -> Vec<Part> {
    letterhead(
        &content.municipality,
        &content.province,
        &content.office,
        arms.is_some(),
    )
}

/// The certificate as a document.
pub fn certificate_doc(content: &Content, stamp: Option<&Stamp>, arms: Option<&Arms>) -> Doc {
    let mut parts = certificate_header(content, arms);
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
        Part::KeepWithFooter,
        Part::Gap(3.0),
        Part::para(&content.place_date, 10.5),
        Part::para(&content.signature, 9.5),
    ]);
    Doc {
        title: content.title.clone(),
        author: content.municipality.clone(),
        running_header: format!("{} – {}", content.municipality, content.title),
        parts,
        footer: stamp.map_or(Footer::Preview, |s| Footer::Stamp(s.clone())),
        watermark: stamp.is_none(),
        arms_ratio: arms.map_or(1.0, Arms::ratio),
    }
}

/// A certificate. With `stamp` the footer carries the digital stamp and the PDF the
/// signature placeholders; without it (a preview) the pages carry a large diagonal
/// "ANTEPRIMA" and no verification data.
pub fn render(
    content: &Content,
    stamp: Option<&Stamp>,
    issued_at: DateTime<Utc>,
    arms: Option<&Arms>,
    signature: Option<&SignatureField>,
) -> Rendered {
    render_doc(
        &certificate_doc(content, stamp, arms),
        issued_at,
        arms,
        signature,
    )
}
