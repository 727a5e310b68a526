"""Prints the text of every QR code found in the given PNG images, one per line (zxing-cpp)."""
import sys

import zxingcpp
from PIL import Image

for path in sys.argv[1:]:
    for result in zxingcpp.read_barcodes(Image.open(path)):
        if result.format == zxingcpp.BarcodeFormat.QRCode:
            print(result.text)
