//! Writing the laid-out pages as a PDF with pdf-writer: the prepared fonts and the coat of
//! arms as they are, content streams written directly, and — for a document to seal — the
//! signature field with a fixed-size `/Contents` placeholder and a `/ByteRange` whose final
//! numbers are written over the placeholder once the file's length is known.

use chrono::{DateTime, Datelike, Timelike, Utc};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::arms::Arms;
use super::fonts::{fonts, Face};
use super::layout::{Draw, PAGE_H, PAGE_W, PT_PER_MM};
use super::Doc;

/// The bytes reserved for the CMS of the seal by default (the file holds twice as many hex
/// digits): a three-certificate chain and a time-stamp token with its own chain fit.
pub const SIG_RESERVED: usize = 8 * 1024;
/// A `/ByteRange` number before the real one is known: ten digits, room for any of ours.
const PLACEHOLDER: i32 = 1_000_000_000;

/// The signature field a document to seal carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureField {
    pub name: String,
    pub reason: String,
    pub signed_at: DateTime<Utc>,
    /// Bytes reserved for the CMS (`SIG_RESERVED` unless a seal needed more).
    pub reserved: usize,
}

/// A written document; for one to seal, where its `/Contents` hex string lies (offset of
/// `<` and one past `>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub contents: Option<(usize, usize)>,
}

fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

fn pdf_date(t: DateTime<Utc>) -> Date {
    Date::new(t.year() as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Object numbers, allocated in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Writes a face: Type0 font over a CIDFontType2 with Identity-H, the subset program and
/// the ToUnicode map.
fn write_face(pdf: &mut Pdf, refs: &mut Refs, face: &Face) -> Ref {
    let (type0, cid, descriptor, file, cmap) = (
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
    );
    let name = Name(face.base_font.as_bytes());
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let mut c = pdf.cid_font(cid);
    c.subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(info)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    c.widths().consecutive(0, face.widths.iter().copied());
    c.finish();
    let [x0, y0, x1, y1] = face.bbox;
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(face.ascent)
        .descent(face.descent)
        .cap_height(face.cap_height)
        .stem_v(80.0)
        .font_file2(file);
    pdf.stream(file, &face.file)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), face.file_len as i32);
    pdf.cmap(cmap, &face.to_unicode).filter(Filter::FlateDecode);
    type0
}

fn write_arms(pdf: &mut Pdf, refs: &mut Refs, arms: &Arms) -> Ref {
    let (image, mask) = (refs.next(), refs.next());
    let mut x = pdf.image_xobject(image, &arms.rgb);
    x.filter(Filter::FlateDecode);
    x.width(arms.width as i32).height(arms.height as i32);
    x.color_space().device_rgb();
    x.bits_per_component(8);
    if arms.alpha.is_some() {
        x.s_mask(mask);
    }
    x.finish();
    if let Some(alpha) = &arms.alpha {
        let mut m = pdf.image_xobject(mask, alpha);
        m.filter(Filter::FlateDecode);
        m.width(arms.width as i32).height(arms.height as i32);
        m.color_space().device_gray();
        m.bits_per_component(8);
    }
    image
}

fn draw(c: &mut Content, d: &Draw) {
    match d {
        Draw::Text {
            x,
            y,
            size,
            bold,
            text,
        } => {
            let face = if *bold {
                &fonts().bold
            } else {
                &fonts().regular
            };
            let font = if *bold { Name(b"F2") } else { Name(b"F1") };
            c.begin_text()
                .set_font(font, *size)
                .next_line(pt(*x), pt(*y))
                .show(Str(&face.encode(text)))
                .end_text();
        }
        Draw::Rect {
            x,
            y,
            w,
            h,
            fill,
            gray,
        } => {
            c.rect(pt(*x), pt(*y), pt(*w), pt(*h));
            if *fill {
                c.set_fill_gray(*gray).fill_nonzero();
            } else {
                c.set_stroke_gray(*gray).set_line_width(0.6).stroke();
            }
        }
        Draw::Line {
            from,
            to,
            width,
            rgb,
        } => {
            c.set_stroke_rgb(rgb[0], rgb[1], rgb[2])
                .set_line_width(*width)
                .move_to(pt(from.0), pt(from.1))
                .line_to(pt(to.0), pt(to.1))
                .stroke();
        }
        Draw::Arms { x, y, w, h } => {
            c.save_state()
                .transform([pt(*w), 0.0, 0.0, pt(*h), pt(*x), pt(*y)])
                .x_object(Name(b"Im1"))
                .restore_state();
        }
        Draw::Watermark => {
            let (cos, sin) = (
                std::f32::consts::FRAC_1_SQRT_2,
                std::f32::consts::FRAC_1_SQRT_2,
            );
            c.save_state()
                .set_fill_gray(0.85)
                .begin_text()
                .set_font(Name(b"F2"), 96.0)
                .set_text_matrix([cos, sin, -sin, cos, pt(42.0), pt(70.0)])
                .show(Str(&fonts().bold.encode("ANTEPRIMA")))
                .end_text()
                .restore_state();
        }
    }
}

/// The content stream of a page, with "Pagina N di M" when there are several.
fn page_content(draws: &[Draw], index: usize, count: usize) -> Vec<u8> {
    let mut c = Content::new();
    c.set_fill_gray(0.0);
    for d in draws {
        draw(&mut c, d);
        if !matches!(d, Draw::Text { .. }) {
            c.set_fill_gray(0.0).set_stroke_gray(0.0);
        }
    }
    if count > 1 {
        let label = format!("Pagina {} di {count}", index + 1);
        let x = PAGE_W - super::layout::MARGIN - fonts().regular.width(8.0, &label);
        draw(
            &mut c,
            &Draw::Text {
                x,
                y: 10.0,
                size: 8.0,
                bold: false,
                text: label,
            },
        );
    }
    c.finish().to_vec()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).expect("deflate into memory");
    z.finish().expect("deflate into memory")
}

/// The signature field's widget (on the first page) and the signature dictionary with its
/// placeholders; returns the widget.
fn write_signature(pdf: &mut Pdf, refs: &mut Refs, first_page: Ref, s: &SignatureField) -> Ref {
    let (widget, sig) = (refs.next(), refs.next());
    let mut w = pdf.indirect(widget).dict();
    w.pair(Name(b"Type"), Name(b"Annot"))
        .pair(Name(b"Subtype"), Name(b"Widget"))
        .pair(Name(b"FT"), Name(b"Sig"))
        .pair(Name(b"T"), Str(b"Sigillo"))
        .pair(Name(b"F"), 132)
        .pair(Name(b"Rect"), Rect::new(0.0, 0.0, 0.0, 0.0))
        .pair(Name(b"P"), first_page)
        .pair(Name(b"V"), sig);
    w.finish();
    let m = s.signed_at.format("D:%Y%m%d%H%M%S+00'00'").to_string();
    let mut d = pdf.indirect(sig).dict();
    d.pair(Name(b"Type"), Name(b"Sig"))
        .pair(Name(b"Filter"), Name(b"Adobe.PPKLite"))
        .pair(Name(b"SubFilter"), Name(b"ETSI.CAdES.detached"))
        .pair(Name(b"M"), Str(m.as_bytes()))
        .pair(Name(b"Name"), TextStr(&s.name))
        .pair(Name(b"Reason"), TextStr(&s.reason));
    d.insert(Name(b"ByteRange"))
        .array()
        .items([0, PLACEHOLDER, PLACEHOLDER, PLACEHOLDER]);
    // Non-ASCII bytes: pdf-writer writes a hex string, "FFFF…", that `pades` overwrites.
    d.pair(Name(b"Contents"), Str(&vec![0xFFu8; s.reserved]));
    d.finish();
    widget
}

/// Writes the pages.
pub fn write(
    doc: &Doc,
    pages: &[Vec<Draw>],
    at: DateTime<Utc>,
    arms: Option<&Arms>,
    signature: Option<&SignatureField>,
) -> Rendered {
    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let (catalog, tree, info) = (refs.next(), refs.next(), refs.next());
    let f = fonts();
    let (regular, bold) = (
        write_face(&mut pdf, &mut refs, &f.regular),
        write_face(&mut pdf, &mut refs, &f.bold),
    );
    let image = arms.map(|a| write_arms(&mut pdf, &mut refs, a));
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (refs.next(), refs.next())).collect();
    let widget = signature.map(|s| write_signature(&mut pdf, &mut refs, page_refs[0].0, s));
    for (i, (draws, (page, content))) in pages.iter().zip(&page_refs).enumerate() {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, pt(PAGE_W), pt(PAGE_H)))
            .parent(tree)
            .contents(*content);
        let mut res = p.resources();
        res.fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        if let Some(image) = image {
            res.x_objects().pair(Name(b"Im1"), image);
        }
        res.finish();
        if let (Some(w), 0) = (widget, i) {
            p.annotations([w]);
        }
        p.finish();
        pdf.stream(*content, &deflate(&page_content(draws, i, pages.len())))
            .filter(Filter::FlateDecode);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);
    let mut c = pdf.catalog(catalog);
    c.pages(tree);
    if let Some(w) = widget {
        c.insert(Name(b"AcroForm"))
            .dict()
            .pair(Name(b"SigFlags"), 3)
            .insert(Name(b"Fields"))
            .array()
            .item(w);
        // PAdES is an extension of PDF 1.7 (ISO 32000-1) declared by ETSI.
        c.pair(Name(b"Version"), Name(b"1.7"));
        c.insert(Name(b"Extensions"))
            .dict()
            .insert(Name(b"ESIC"))
            .dict()
            .pair(Name(b"BaseVersion"), Name(b"1.7"))
            .pair(Name(b"ExtensionLevel"), 1);
    }
    c.finish();
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .author(TextStr(&doc.author))
        .creator(TextStr("Anagrafe online"))
        .producer(TextStr("Anagrafe online"))
        .creation_date(pdf_date(at))
        .modified_date(pdf_date(at));
    pdf.set_version(1, 7);
    let mut bytes = pdf.finish();
    let contents = signature.map(|s| fill_byte_range(&mut bytes, s.reserved));
    Rendered { bytes, contents }
}

/// Where the `/Contents` placeholder is, with the real `/ByteRange` written over its
/// placeholder (same length, padded with spaces).
fn fill_byte_range(bytes: &mut [u8], reserved: usize) -> (usize, usize) {
    // A short needle (a 16 KiB one costs more to prepare than the search), then the check
    // that the whole placeholder follows it.
    let key = b"/Contents <FFFFFFFFFFFFFFFF";
    let at = memchr_find(bytes, key).expect("the /Contents placeholder is written") + 11;
    let (start, end) = (at - 1, at + reserved * 2 + 1);
    assert!(
        bytes[at..end - 1].iter().all(|&b| b == b'F') && bytes[end - 1] == b'>',
        "the /Contents placeholder is whole"
    );
    let placeholder = format!("[0 {PLACEHOLDER} {PLACEHOLDER} {PLACEHOLDER}]");
    let br = memchr_find(bytes, placeholder.as_bytes()).expect("the /ByteRange placeholder");
    let actual = format!("[0 {start} {end} {}", bytes.len() - end);
    let padded = format!("{actual:<width$}]", width = placeholder.len() - 1);
    bytes[br..br + placeholder.len()].copy_from_slice(padded.as_bytes());
    (start, end)
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}
