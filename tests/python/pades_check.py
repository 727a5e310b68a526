"""Structural PAdES baseline B-B / B-T check of a signed PDF (pyHanko's reader + asn1crypto).

Checks what validators do not enforce: one signature, SubFilter ETSI.CAdES.detached, /M
present, the ByteRange covers the whole file but the /Contents string, a detached CMS whose
signed attributes are content-type, message-digest (matching the signed bytes) and
signing-certificate-v2 (matching the signer certificate), and no signing-time. With a
signature-time-stamp unsigned attribute (B-T), its token's message imprint is the SHA-256 of
the signature value. Prints "PAdES-B-B structure OK" or "PAdES-B-T structure OK, time-stamp
<genTime>", or raises.
"""
import hashlib
import sys

from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader

path = sys.argv[1]
data = open(path, "rb").read()
with open(path, "rb") as f:
    sigs = PdfFileReader(f).embedded_signatures
    assert len(sigs) == 1, f"{len(sigs)} signatures"
    so = sigs[0].sig_object
    assert so["/SubFilter"] == "/ETSI.CAdES.detached", so["/SubFilter"]
    assert "/M" in so
    br = [int(x) for x in so["/ByteRange"]]
    contents = bytes(so["/Contents"])
assert br[0] == 0 and br[2] + br[3] == len(data), br
assert data[br[1]:br[1] + 1] == b"<" and data[br[2] - 1:br[2]] == b">"
signed = data[:br[1]] + data[br[2]:br[2] + br[3]]
sd = cms.ContentInfo.load(contents)["content"]
assert sd["encap_content_info"]["content"].native is None, "not detached"
si = sd["signer_infos"][0]
attrs = {a["type"].native: a for a in si["signed_attrs"]}
assert {"content_type", "message_digest", "signing_certificate_v2"} <= set(attrs), set(attrs)
assert "signing_time" not in attrs
assert attrs["message_digest"]["values"][0].native == hashlib.sha256(signed).digest()
cert_hash = attrs["signing_certificate_v2"]["values"][0]["certs"][0]["cert_hash"].native
assert any(hashlib.sha256(c.chosen.dump()).digest() == cert_hash for c in sd["certificates"])
unsigned = {a["type"].native: a for a in (si["unsigned_attrs"] or [])}
token = unsigned.get("signature_time_stamp_token")
if token is None:
    print("PAdES-B-B structure OK")
else:
    tst = token["values"][0]["content"]["encap_content_info"]["content"].parsed
    imprint = tst["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(si["signature"].native).digest()
    print(f"PAdES-B-T structure OK, time-stamp {tst['gen_time'].native.isoformat()}")
