//! The comune's coat of arms (stemma) for the header of certificates and declarations: a PNG
//! from configuration (`ARMS_FILE`), or the demo's neutral placeholder. Decoded and
//! compressed once, at start; every document then embeds the same image stream.

use std::io::Write;

/// The placeholder of the demo municipality: a plain shield, no real heraldry.
pub const PLACEHOLDER: &[u8] = include_bytes!("../../data/stemma-segnaposto.png");

/// A decoded image ready to embed: 8-bit RGB (and alpha as a soft mask), deflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arms {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
    /// The PNG as given (the verification pages show it).
    pub png: Vec<u8>,
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).expect("deflate into memory");
    z.finish().expect("deflate into memory")
}

impl Arms {
    /// Decodes a PNG (any bit depth and colour type; alpha becomes a soft mask).
    pub fn from_png(bytes: &[u8]) -> Result<Arms, String> {
        if bytes.trim_ascii_start().starts_with(b"<") {
            return Err("stemma: formato SVG non supportato, fornire lo stemma in PNG".into());
        }
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| format!("stemma: {e}"))?;
        let info = reader.info();
        if info.width > 4096 || info.height > 4096 {
            return Err("stemma: immagine troppo grande (al massimo 4096×4096)".into());
        }
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader
            .next_frame(&mut buf)
            .map_err(|e| format!("stemma: {e}"))?;
        let pixels = &buf[..frame.buffer_size()];
        let (mut rgb, mut alpha) = (Vec::new(), Vec::new());
        let channels = frame.color_type.samples();
        for px in pixels.chunks_exact(channels) {
            match px {
                [g] => rgb.extend([*g; 3]),
                [g, a] => {
                    rgb.extend([*g; 3]);
                    alpha.push(*a);
                }
                [r, g, b] => rgb.extend([*r, *g, *b]),
                [r, g, b, a] => {
                    rgb.extend([*r, *g, *b]);
                    alpha.push(*a);
                }
                _ => return Err("stemma: formato di colore non supportato".into()),
            }
        }
        Ok(Arms {
            width: frame.width,
            height: frame.height,
            rgb: deflate(&rgb),
            alpha: (!alpha.is_empty()).then(|| deflate(&alpha)),
            png: bytes.to_vec(),
        })
    }

    pub fn ratio(&self) -> f32 {
        self.width as f32 / self.height.max(1) as f32
    }

    /// The configured file, or the placeholder.
    pub fn load(path: Option<&std::path::Path>) -> Result<Arms, String> {
        match path {
            None => Arms::from_png(PLACEHOLDER),
            Some(p) => {
                let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Arms::from_png(&bytes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Arms;

    #[test]
    fn the_placeholder_loads_and_svg_or_garbage_is_refused_in_italian() {
        assert!(Arms::load(None).is_ok());
        let svg = Arms::from_png(b"  <svg xmlns='http://www.w3.org/2000/svg'/>")
            .err()
            .unwrap();
        assert!(svg.contains("SVG non supportato"), "{svg}");
        let junk = Arms::from_png(b"not an image").err().unwrap();
        assert!(junk.starts_with("stemma: "), "{junk}");
    }
}
