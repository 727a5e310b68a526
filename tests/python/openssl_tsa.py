"""An RFC 3161 time-stamping authority over HTTP made of `openssl ts -reply`: an
implementation independent of the project's, for testing its TSA client.

Usage: openssl_tsa.py DIR PORT USER:PASSWORD. Makes a root (DIR/ca.pem) and a TSA certificate
(EKU timeStamping, critical) in DIR, then listens on 127.0.0.1:PORT and answers POSTs of `application/timestamp-query` that carry HTTP basic credentials USER:PASSWORD
(401 otherwise) until killed.
"""
import base64
import http.server
import os
import subprocess
import sys

directory, port, credentials = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(directory, exist_ok=True)


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


def p(name):
    return os.path.join(directory, name)


openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", p("ca-key.pem"), "-out", p("ca.pem"), "-days", "30", "-subj", "/CN=TSA di prova Root")
openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", p("tsa-key.pem"), "-out", p("tsa.csr"), "-subj", "/CN=TSA di prova")
with open(p("ext.cnf"), "w") as f:
    f.write("extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,digitalSignature\n")
openssl("x509", "-req", "-in", p("tsa.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca-key.pem"),
        "-CAcreateserial", "-out", p("tsa.pem"), "-days", "30", "-extfile", p("ext.cnf"))
with open(p("serial"), "w") as f:
    f.write("01\n")
with open(p("tsa.cnf"), "w") as f:
    f.write(f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {directory}
serial = $dir/serial
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa-key.pem
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_alg = sha256
""")
expected = "Basic " + base64.b64encode(credentials.encode()).decode()


class Tsa(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="tsa"')
            self.end_headers()
            return
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(p("query.tsq"), "wb") as f:
            f.write(query)
        reply = openssl("ts", "-reply", "-config", p("tsa.cnf"), "-queryfile", p("query.tsq"))
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Tsa).serve_forever()
