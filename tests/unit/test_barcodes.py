"""Barcodes and QR codes decoded offline (zxing-cpp), from codes zxing-cpp itself drew."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from vestsight.vision.barcodes import read_codes


def drawn(content: str, code_format: zxingcpp.BarcodeFormat, scale: int = 3) -> npt.NDArray:
    barcode = zxingcpp.create_barcode(content, code_format)
    return np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=scale))


def frame_with(*codes: tuple[npt.NDArray, int, int], tilt: float = 0.0) -> npt.NDArray:
    frame = np.full((960, 1280), 190, dtype=np.uint8)
    for image, left, top in codes:
        padded = np.pad(image, 20, constant_values=255)
        frame[top : top + padded.shape[0], left : left + padded.shape[1]] = padded
    if tilt:
        matrix = cv2.getRotationMatrix2D((640, 480), tilt, 1.0)
        frame = cv2.warpAffine(frame, matrix, (1280, 960), borderValue=(190,))
    return np.ascontiguousarray(np.stack([frame] * 3, axis=2))


def test_a_product_code_and_a_qr_code_are_read_left_to_right() -> None:
    product = drawn("460700123456", zxingcpp.BarcodeFormat.EAN13)  # the check digit is added
    qr = drawn("Не выше 25 °C", zxingcpp.BarcodeFormat.QRCode, scale=6)
    codes = read_codes(frame_with((qr, 760, 500), (product, 80, 120), tilt=12))
    assert [(c.format, c.text) for c in codes] == [
        ("EAN13", "4607001234562"),
        ("QRCode", "Не выше 25 °C"),
    ]
    assert codes[0].product and not codes[1].product
    assert codes[0].spoken_number == "4 6 0 7 0 0 1 2 3 4 5 6 2"
    assert 0 < codes[0].centre[0] < codes[1].centre[0] < 1


def test_other_linear_codes_carry_their_text() -> None:
    code128 = drawn("LOT Y50606", zxingcpp.BarcodeFormat.Code128)
    [code] = read_codes(frame_with((code128, 300, 300)))
    assert (code.format, code.text, code.product) == ("Code128", "LOT Y50606", False)


def test_frames_without_codes_or_not_images_have_none() -> None:
    assert read_codes(np.full((960, 1280, 3), 128, dtype=np.uint8)) == []
    assert read_codes(np.zeros((1, 1, 3), dtype=np.uint8)) == []
    noise = np.random.default_rng(3).integers(0, 255, (480, 640), dtype=np.uint8)
    assert read_codes(noise) == []
    huge = np.full((3000, 4000, 3), 200, dtype=np.uint8)  # scaled down before decoding
    qr = np.pad(drawn("https://example.org/", zxingcpp.BarcodeFormat.QRCode, scale=10), 40,
                constant_values=255)  # fmt: skip
    huge[1000 : 1000 + qr.shape[0], 1000 : 1000 + qr.shape[1]] = qr[:, :, None]
    assert [c.text for c in read_codes(huge)] == ["https://example.org/"]
