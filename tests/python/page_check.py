"""Reads the pages of PDFs as a reader would, with tools independent of the project's: the
words and their boxes from poppler (`pdftotext -bbox`), the pages rendered by poppler
(`pdftoppm`), the QR codes and where they are from zxing-cpp, and the box left for the
marca da bollo found in the rendered page (the stroked rectangle around its label).

Usage: page_check.py FILE.pdf... Prints one JSON object per file, in points from the top-left
corner of the page: {"file", "pages", "size": [w, h], "words": [[page, text, x0, y0, x1, y1]],
"qr": [{"page", "text", "box"}], "marca": [x0, y0, x1, y1] or null}.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from html import unescape

import zxingcpp
from PIL import Image

DPI = 100
SCALE = 72 / DPI  # points per pixel

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def words_of(path):
    xhtml = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, text=True, check=True).stdout
    pages, words, size = 0, [], None
    for line in xhtml.splitlines():
        if m := PAGE.search(line):
            pages += 1
            size = [float(m.group(1)), float(m.group(2))]
        elif m := WORD.search(line):
            x0, y0, x1, y1 = (float(m.group(i)) for i in range(1, 5))
            words.append([pages, unescape(m.group(5)), x0, y0, x1, y1])
    return pages, size, words


def dark(img, x, y):
    return img.getpixel((x, y)) < 128


def marca_box(img, words):
    """The rectangle around the label "Spazio per la / marca da bollo" on page 1."""
    first = [w for w in words if w[0] == 1]
    for s in (w for w in first if w[1] == "Spazio"):
        below = [w for w in first if w[1] == "marca" and abs(w[2] - s[2]) < 2 and 0 < w[3] - s[3] < 15]
        if below:
            m = below[0]
            label = [w for w in first if w[2] >= s[2] - 1 and w[4] <= s[2] + 80 and s[3] - 1 <= w[3] <= m[3] + 1]
            break
    else:
        return None
    x0, y0 = min(w[2] for w in label) / SCALE, min(w[3] for w in label) / SCALE
    x1, y1 = max(w[4] for w in label) / SCALE, max(w[5] for w in label) / SCALE
    cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
    left = next(x for x in range(int(x0) - 1, 0, -1) if dark(img, x, cy))
    right = next(x for x in range(int(x1) + 1, img.width) if dark(img, x, cy))
    top = next(y for y in range(int(y0) - 1, 0, -1) if dark(img, cx, y))
    bottom = next(y for y in range(int(y1) + 1, img.height) if dark(img, cx, y))
    return [left * SCALE, top * SCALE, right * SCALE, bottom * SCALE]


def qr_codes(img, page):
    found = []
    for r in zxingcpp.read_barcodes(img):
        if r.format != zxingcpp.BarcodeFormat.QRCode:
            continue
        p = r.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        box = [min(xs) * SCALE, min(ys) * SCALE, max(xs) * SCALE, max(ys) * SCALE]
        found.append({"page": page, "text": r.text, "box": box})
    return found


def check(path, tmp):
    pages, size, words = words_of(path)
    prefix = os.path.join(tmp, "page")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", path, prefix], check=True)
    digits = len(str(pages))
    qr, marca = [], None
    for n in range(1, pages + 1):
        img = Image.open(f"{prefix}-{n:0{digits}d}.png").convert("L")
        qr += qr_codes(img, n)
        if n == 1:
            marca = marca_box(img, words)
    return {"file": path, "pages": pages, "size": size, "words": words, "qr": qr, "marca": marca}


for path in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(check(path, tmp)), flush=True)
