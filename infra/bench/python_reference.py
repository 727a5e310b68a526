"""The certificate pipeline as a Python implementer would write it, for the side-by-side
benchmark (infra/bench/side-by-side.sh): the same steps as the Rust whole issue, with the
usual libraries — wording, an A4 page with reportlab (Titillium Web, the household table,
the stamp block with the QR code from `qrcode`), the PAdES seal with pyHanko (P-256 key,
signature time-stamp from pyHanko's in-process TSA, which signs with RSA: B-T like the
runner), the original archived as
a file with its expiry, the record and the audit entry committed to SQLite (synchronous=FULL,
as the Rust store syncs its commits).

Usage: python_reference.py [N]  (prints "python p50=… p99=… n=…" in milliseconds)
"""
import datetime
import hashlib
import io
import os
import secrets
import sqlite3
import sys
import tempfile
import time
import uuid

import qrcode
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FONTS = os.path.join(ROOT, "shared", "assets", "fonts")
pdfmetrics.registerFont(TTFont("Titillium", os.path.join(FONTS, "TitilliumWeb-Regular.ttf")))
pdfmetrics.registerFont(TTFont("Titillium-Bold", os.path.join(FONTS, "TitilliumWeb-Bold.ttf")))


def certificate(name, key, issuer=None, issuer_key=None, eku=None):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer.subject if issuer else subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True))
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return b.sign(issuer_key or key, hashes.SHA256())


def to_asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def key_asn1(key):
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


# The PKI, made once (not timed): a root, the seal certificate, the TSA certificate.
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = certificate("Root locale", ca_key)
seal_key = ec.generate_private_key(ec.SECP256R1())
seal = certificate("Comune di Valdemo - Servizi Demografici", seal_key, ca, ca_key)
# pyHanko's in-process TSA signs with RSA only.
tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
tsa_cert = certificate("TSA locale", tsa_key, ca, ca_key, ExtendedKeyUsageOID.TIME_STAMPING)
signer = signers.SimpleSigner(
    signing_cert=to_asn1(seal), signing_key=key_asn1(seal_key),
    cert_registry=SimpleCertificateStore.from_certs([to_asn1(ca)]))
tsa = timestamps.DummyTimeStamper(tsa_cert=to_asn1(tsa_cert), tsa_key=key_asn1(tsa_key),
                                  certs_to_embed=[to_asn1(ca)])

MEMBERS = [("ESPOSITO GIANFRANCO", "Genova (GE), 23/07/1991", "SPSGFR91L23D969F"),
           ("MARTINELLI VALENTINA", "Parma (PR), 03/11/1991", "MRTVNT91S43G337F"),
           ("ESPOSITO PIETRO", "Ravenna (RA), 27/11/2023", "SPSPTR23S27H199F")]


def wrap(text, font, size, width):
    lines, line = [], ""
    for word in text.split():
        probe = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(probe, font, size) > width and line:
            lines.append(line)
            line = word
        else:
            line = probe
    return lines + [line] if line else lines


def render(cert_id, pin, url):
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    c.setFont("Titillium-Bold", 16)
    c.drawCentredString(w / 2, h - 30 * mm, "COMUNE DI VALDEMO")
    c.setFont("Titillium", 10.5)
    c.drawCentredString(w / 2, h - 36 * mm, "Provincia di Siena")
    c.drawCentredString(w / 2, h - 41 * mm, "Servizi Demografici – Ufficio Anagrafe")
    c.setFont("Titillium-Bold", 14)
    c.drawString(20 * mm, h - 60 * mm, "CERTIFICATO DI STATO DI FAMIGLIA")
    c.setFont("Titillium", 10.5)
    c.drawString(20 * mm, h - 70 * mm, "L'Ufficiale d'Anagrafe, visti gli atti d'ufficio, certifica che:")
    c.drawString(25 * mm, h - 77 * mm, "la famiglia anagrafica residente in Via Garibaldi 25 - 53100 Valdemo (SI) è così composta:")
    y = h - 88 * mm
    c.setFont("Titillium-Bold", 9.5)
    for x, head in zip((21, 77, 133), ("Cognome e nome", "Luogo e data di nascita", "Codice fiscale")):
        c.drawString(x * mm, y, head)
    c.setFont("Titillium", 9.5)
    for row in MEMBERS:
        y -= 6 * mm
        for x, cell in zip((21, 77, 133), row):
            c.drawString(x * mm, y, cell)
    text = ("Uso: Assegni familiari. Esente da imposta di bollo ai sensi dell'art. 9 della Tabella "
            "allegato B al D.P.R. 26 ottobre 1972, n. 642. Il presente certificato non può essere "
            "prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici "
            "servizi. Validità di sei mesi dalla data di rilascio.")
    y -= 12 * mm
    for line in wrap(text, "Titillium", 9.5, 170 * mm):
        c.drawString(20 * mm, y, line)
        y -= 4.7 * mm
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    c.drawImage(ImageReader(qr.make_image().get_image()), 20 * mm, 25 * mm, 32 * mm, 32 * mm)
    c.setFont("Titillium-Bold", 10)
    c.drawString(56 * mm, 52 * mm, f"ID certificato: {cert_id}     PIN: {pin}")
    c.setFont("Titillium", 8.5)
    stamp = ("Contrassegno elettronico (timbro digitale) del documento informatico originale, "
             "sigillato dal Comune. Ai sensi dell'art. 23, comma 2-bis, del D.Lgs. 7 marzo 2005, "
             f"n. 82, il contrassegno stampato sostituisce la sottoscrizione autografa. Verifica: {url}")
    y = 47 * mm
    for line in wrap(stamp, "Titillium", 8.5, 134 * mm):
        c.drawString(56 * mm, y, line)
        y -= 4 * mm
    c.showPage()
    c.save()
    return buf.getvalue()


def seal_pdf(pdf):
    meta = signers.PdfSignatureMetadata(field_name="Sigillo", subfilter=fields.SigSeedSubFilter.PADES,
                                        reason="Certificato anagrafico rilasciato online")
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=tsa)
    return out.getvalue()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    work = tempfile.mkdtemp()
    db = sqlite3.connect(os.path.join(work, "registry.sqlite"))
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE certificates (id TEXT PRIMARY KEY, sha256 TEXT, archive_key TEXT, data TEXT)")
    db.execute("CREATE TABLE audit (id TEXT PRIMARY KEY, at TEXT, actor TEXT, detail TEXT)")
    os.makedirs(os.path.join(work, "archive"))
    times = []
    for i in range(n + 5):
        t = time.perf_counter()
        cert_id = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        pin = f"{secrets.randbelow(10**10):010d}"
        url = f"https://anagrafe.comune.valdemo.it/verifica/{cert_id}?k={secrets.token_hex(13).upper()}"
        signed = seal_pdf(render(cert_id, pin, url))
        key = os.path.join(work, "archive", f"{cert_id}.pdf")
        for path, data in ((key + ".expires", b"2027-05-23T09:00:00+00:00"), (key, signed)):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        digest = hashlib.sha256(signed).hexdigest()
        with db:
            db.execute("INSERT INTO certificates VALUES (?, ?, ?, ?)", (cert_id, digest, key, "{}"))
        with db:
            db.execute("INSERT INTO audit VALUES (?, ?, ?, ?)",
                       (str(uuid.uuid4()), datetime.datetime.now().isoformat(), "SPSGFR91L23D969F", cert_id))
        if i >= 5:  # the first few warm up
            times.append(time.perf_counter() - t)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print(f"python p50={p(0.50):.2f}ms p99={p(0.99):.2f}ms n={len(times)} size={len(signed)}B")


main()
