//! The two faces of Titillium Web (OFL, `shared/assets/fonts`), subset once per process to
//! the characters registry text can need — Latin-1, the typographic quotes and dashes, the
//! ellipsis, the bullet and € — and embedded as such in every document: no font work per
//! certificate. Characters outside the set print as their base letter (é → e) or `?`.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/TitilliumWeb-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/TitilliumWeb-Bold.ttf");

/// The characters every document can print.
fn charset() -> impl Iterator<Item = char> {
    let extras = ['‘', '’', '“', '”', '–', '—', '…', '€', '•', '−'];
    (' '..='~').chain('\u{a0}'..='\u{ff}').chain(extras)
}

/// The highest character of the set, for the lookup table.
const TABLE: usize = 0x2213;

/// A face prepared for embedding and measuring.
pub struct Face {
    /// PostScript name with the subset tag, as the PDF names the font.
    pub base_font: String,
    /// The subset font program, compressed (FontFile2 with FlateDecode), and its length.
    pub file: Vec<u8>,
    pub file_len: usize,
    /// Advance widths by glyph ID of the subset (the CIDs), in 1/1000 of the em.
    pub widths: Vec<f32>,
    /// The ToUnicode CMap, compressed, so that text can be extracted and searched.
    pub to_unicode: Vec<u8>,
    pub ascent: f32,
    pub descent: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    /// Character → glyph ID of the subset (0: not in the set).
    lookup: Vec<u16>,
}

pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

/// Prepared once: subsetting and compressing the two faces costs more than a document.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: Face::prepare(REGULAR, "ANAGRF+TitilliumWeb-Regular"),
        bold: Face::prepare(BOLD, "ANAGRB+TitilliumWeb-Bold"),
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).expect("deflate into memory");
    z.finish().expect("deflate into memory")
}

impl Face {
    fn prepare(data: &'static [u8], base_font: &str) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
        let units = f32::from(face.units_per_em());
        let scale = |v: i16| f32::from(v) * 1000.0 / units;
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        let mut lookup = vec![0u16; TABLE + 1];
        let mut pairs = Vec::new();
        for c in charset() {
            if let Some(gid) = face.glyph_index(c) {
                let cid = remapper.remap(gid.0);
                lookup[c as usize] = cid;
                pairs.push((cid, c));
            }
        }
        let mut widths = vec![0.0; usize::from(remapper.num_gids())];
        for old in remapper.remapped_gids() {
            let new = remapper.get(old).expect("remapped");
            let advance = face
                .glyph_hor_advance(ttf_parser::GlyphId(old))
                .unwrap_or(0);
            widths[usize::from(new)] = f32::from(advance) * 1000.0 / units;
        }
        let program = subsetter::subset(data, 0, &remapper).expect("the embedded font subsets");
        let b = face.global_bounding_box();
        Face {
            base_font: base_font.to_string(),
            file: deflate(&program),
            file_len: program.len(),
            widths,
            to_unicode: deflate(&to_unicode(&pairs)),
            ascent: scale(face.ascender()),
            descent: scale(face.descender()),
            cap_height: scale(face.capital_height().unwrap_or(face.ascender())),
            bbox: [
                scale(b.x_min),
                scale(b.y_min),
                scale(b.x_max),
                scale(b.y_max),
            ],
            lookup,
        }
    }

    /// The glyph of a character, or of its base letter, or of `?`.
    fn cid(&self, c: char) -> u16 {
        let direct = |c: char| self.lookup.get(c as usize).copied().filter(|&g| g != 0);
        direct(c)
            .or_else(|| c.nfd().next().and_then(direct))
            .unwrap_or_else(|| self.lookup[usize::from(b'?')])
    }

    /// Width in mm of `text` at `size` pt.
    pub fn width(&self, size: f32, text: &str) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| self.widths[usize::from(self.cid(c))])
            .sum();
        units / 1000.0 * size * 25.4 / 72.0
    }

    /// Width in mm of one character at `size` pt.
    pub fn char_width(&self, size: f32, c: char) -> f32 {
        self.widths[usize::from(self.cid(c))] / 1000.0 * size * 25.4 / 72.0
    }

    /// The text as 2-byte CIDs (Identity-H).
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            out.extend_from_slice(&self.cid(c).to_be_bytes());
        }
        out
    }
}

/// The ToUnicode CMap of the subset: each CID to its character.
fn to_unicode(pairs: &[(u16, char)]) -> Vec<u8> {
    let info = pdf_writer::types::SystemInfo {
        registry: pdf_writer::Str(b"Adobe"),
        ordering: pdf_writer::Str(b"Identity"),
        supplement: 0,
    };
    let mut cmap = pdf_writer::types::UnicodeCmap::new(pdf_writer::Name(b"Custom"), info);
    for &(cid, c) in pairs {
        cmap.pair(cid, c);
    }
    cmap.finish().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_the_set_has_a_glyph_and_a_width() {
        let f = fonts();
        for face in [&f.regular, &f.bold] {
            for c in charset() {
                let cid = face.cid(c);
                assert_ne!(cid, 0, "{c:?} in {}", face.base_font);
                assert!(face.widths[usize::from(cid)] > 0.0 || c == '\u{a0}' || c == ' ');
            }
            // Outside the set: the base letter, or a question mark.
            assert_eq!(face.cid('ą'), face.cid('a'));
            assert_eq!(face.cid('漢'), face.cid('?'));
            assert!(face.width(10.0, "Comune di Valdemo") > 20.0);
            assert_eq!(face.encode("Aé").len(), 4);
        }
        assert!(f.regular.file.len() < 25_000, "{}", f.regular.file.len());
    }
}
