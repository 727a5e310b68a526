"""pyHanko's validation of many signed PDFs in one process (the CLI's summary line for each).

Usage: validate_many.py ROOT.pem FILE.pdf... Prints "FILE:SUMMARY" per signature, e.g.
"a.pdf:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED", trusting only ROOT.pem (its
certificates) and fetching nothing.
"""
import sys

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

roots = list(load_certs_from_pemder([sys.argv[1]]))
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        for sig in PdfFileReader(f).embedded_signatures:
            vc = ValidationContext(trust_roots=roots, allow_fetching=False)
            try:
                status = validate_pdf_signature(sig, signer_validation_context=vc)
                print(f"{path}:{status.summary()}", flush=True)
            except Exception as e:  # a broken signature is a finding, not a crash
                print(f"{path}:INVALID ({type(e).__name__})", flush=True)
