//! Defence in depth under the signature shape check: xmlsec's global registry keeps only
//! the transforms a SPID signature uses, and its I/O callbacks (file, HTTP, FTP) are
//! removed, so no Reference of any document can make the service open or fetch anything.
//! Run once at start, after samael has initialised xmlsec (signing the SP metadata does).

use std::ffi::c_void;

type TransformId = *const c_void;

#[repr(C)]
struct PtrList {
    _opaque: [u8; 0],
}

// libxmlsec1 and libxmlsec1-openssl, linked by samael's build script.
extern "C" {
    fn xmlSecTransformIdsGet() -> *mut PtrList;
    fn xmlSecPtrListEmpty(list: *mut PtrList);
    fn xmlSecTransformIdsRegister(id: TransformId) -> i32;
    fn xmlSecTransformEnvelopedGetKlass() -> TransformId;
    fn xmlSecTransformExclC14NGetKlass() -> TransformId;
    fn xmlSecIOCleanupCallbacks();
    fn xmlSecOpenSSLTransformRsaSha256GetKlass() -> TransformId;
    fn xmlSecOpenSSLTransformSha256GetKlass() -> TransformId;
}

/// Empties xmlsec's transform registry but for enveloped-signature, exclusive c14n,
/// RSA-SHA256 and SHA-256, and drops its I/O callbacks; once per process (a second run
/// would empty the registry under a verification in flight).
pub fn lock_down_xmlsec() -> Result<(), &'static str> {
    static ONCE: std::sync::OnceLock<Result<(), &'static str>> = std::sync::OnceLock::new();
    *ONCE.get_or_init(lock_down)
}

fn lock_down() -> Result<(), &'static str> {
    // SAFETY: plain calls into libxmlsec1 after its initialisation; the registry is a
    // global list these functions own, the ids are static class pointers.
    unsafe {
        xmlSecPtrListEmpty(xmlSecTransformIdsGet());
        for id in [
            xmlSecTransformEnvelopedGetKlass(),
            xmlSecTransformExclC14NGetKlass(),
            xmlSecOpenSSLTransformRsaSha256GetKlass(),
            xmlSecOpenSSLTransformSha256GetKlass(),
        ] {
            if xmlSecTransformIdsRegister(id) < 0 {
                return Err("xmlSecTransformIdsRegister failed");
            }
        }
        xmlSecIOCleanupCallbacks();
    }
    Ok(())
}
