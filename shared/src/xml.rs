//! Bounded XML: every XML document from outside (SAML responses and requests, identity
//! providers' metadata, payment receipts, trusted lists) is scanned without recursion for
//! its size, depth, node count, DTD and encoding before any parser that recurses sees it.
//!
//! roxmltree recurses once per nesting level and libxml2 silently truncates at depth 256:
//! a few thousand nested elements in an unsigned part of a response would overflow a
//! worker's stack. The scan is iterative (xmlparser's tokenizer) and stops at the first
//! bound exceeded.

use xmlparser::{ElementEnd, Token, Tokenizer};

/// The bounds of one kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: u32,
    pub max_tokens: u32,
}

/// A SAML Response: real SPID/CIE responses are 6–14 KB of XML, depth 9, under 600 nodes
/// (measured on spid-sp-test's 111 responses and the demo IdP's).
pub const SAML_RESPONSE: Limits = Limits {
    max_bytes: 48 * 1024,
    max_depth: 32,
    max_tokens: 4096,
};

/// A SAML AuthnRequest (about 1.5 KB, depth 4).
pub const SAML_REQUEST: Limits = Limits {
    max_bytes: 16 * 1024,
    max_depth: 16,
    max_tokens: 512,
};

/// An identity provider's metadata file, or a signed receipt (tens of KB).
pub const METADATA: Limits = Limits {
    max_bytes: 1024 * 1024,
    max_depth: 32,
    max_tokens: 100_000,
};

/// An @e.bollo receipt (`marcaDaBollo`): about 2 KB with its signature and the PSP's
/// certificate, depth 5, some 60 nodes.
pub const MARCA_DA_BOLLO: Limits = Limits {
    max_bytes: 32 * 1024,
    max_depth: 8,
    max_tokens: 512,
};

/// Why a document was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("document too large")]
    TooLarge,
    #[error("document nested too deeply")]
    TooDeep,
    #[error("too many nodes")]
    TooManyNodes,
    #[error("DTD not allowed")]
    Dtd,
    #[error("processing instruction not allowed")]
    ProcessingInstruction,
    #[error("encoding other than UTF-8")]
    Encoding,
    #[error("malformed XML: {0}")]
    Malformed(String),
}

/// Checks the bounds without building a tree.
pub fn scan(xml: &str, limits: &Limits) -> Result<(), Refused> {
    if xml.len() > limits.max_bytes {
        return Err(Refused::TooLarge);
    }
    let (mut depth, mut tokens) = (0u32, 0u32);
    for token in Tokenizer::from(xml) {
        let token = token.map_err(|e| Refused::Malformed(e.to_string()))?;
        tokens += 1;
        if tokens > limits.max_tokens {
            return Err(Refused::TooManyNodes);
        }
        match token {
            Token::Declaration {
                encoding: Some(e), ..
            } if !e.as_str().eq_ignore_ascii_case("utf-8") => return Err(Refused::Encoding),
            Token::DtdStart { .. } | Token::EmptyDtd { .. } | Token::EntityDeclaration { .. } => {
                return Err(Refused::Dtd)
            }
            Token::ProcessingInstruction { .. } => return Err(Refused::ProcessingInstruction),
            Token::ElementStart { .. } => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(Refused::TooDeep);
                }
            }
            Token::ElementEnd {
                end: ElementEnd::Close(..) | ElementEnd::Empty,
                ..
            } => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The tree of a document within its bounds (roxmltree, no DTD, node count capped too).
pub fn parse<'a>(xml: &'a str, limits: &Limits) -> Result<roxmltree::Document<'a>, Refused> {
    scan(xml, limits)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: limits.max_tokens,
    };
    roxmltree::Document::parse_with_options(xml, options)
        .map_err(|e| Refused::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))
    }

    #[test]
    fn deep_large_and_dtd_documents_are_refused_before_parsing() {
        assert!(parse(&nested(30), &SAML_RESPONSE).is_ok());
        assert_eq!(scan(&nested(33), &SAML_RESPONSE), Err(Refused::TooDeep));
        // Far deeper than any stack: refused by the scan, which does not recurse.
        let deep = nested(200_000);
        assert_eq!(scan(&deep, &METADATA), Err(Refused::TooLarge));
        let limits = Limits {
            max_bytes: usize::MAX,
            ..METADATA
        };
        assert_eq!(scan(&deep, &limits), Err(Refused::TooDeep));
        let dtd = "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
        assert_eq!(scan(dtd, &SAML_RESPONSE), Err(Refused::Dtd));
        let wide = format!("<a>{}</a>", "<b/>".repeat(5000));
        assert_eq!(scan(&wide, &SAML_RESPONSE), Err(Refused::TooManyNodes));
        let latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>";
        assert_eq!(scan(latin, &SAML_RESPONSE), Err(Refused::Encoding));
        assert!(matches!(
            scan("<a><b></a>", &SAML_RESPONSE),
            Ok(()) | Err(Refused::Malformed(_))
        ));
        assert!(parse("<a><b></a>", &SAML_RESPONSE).is_err());
    }
}
