"""Generate the bundled demo folder ``resources/samples/``.

Everything is drawn here (Pillow pictures, PyMuPDF documents): no third-party material. Output
is deterministic (fixed seeds, fixed PDF metadata, reproducible PDF writing), so re-running
this script does not churn git. Run: ``python resources/make_samples.py [OUT_DIR]``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent / "samples"
FIXED_DATE = "D:20240401090000+09'00'"
RELAY_PART = "SRD-05VDC-SL-C"
SENSOR_PART = "TMP-36J"
DRIVER_PART = "SD-4988M"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def latin_font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def japanese_font(size: int) -> Font:
    # MuPDF ships Droid Sans Fallback (CJK); reuse it so Pillow can draw Japanese labels.
    return ImageFont.truetype(io.BytesIO(pymupdf.Font("japan").buffer), size)


# --- pictures --------------------------------------------------------------------------


def draw_relay_board(size: tuple[int, int] = (640, 420), pcb: str = "#1f4e8c") -> Image.Image:
    """A one-channel relay module: blue relay cube with its part number, terminals, pins."""
    w, h = size
    img = Image.new("RGB", size, "#f4f4f0")
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((20, 20, w - 20, h - 20), radius=18, fill=pcb, outline="#0d2a4d", width=4)
    for x, y in [(45, 45), (w - 45, 45), (45, h - 45), (w - 45, h - 45)]:  # mounting holes
        d.ellipse((x - 14, y - 14, x + 14, y + 14), fill="#f4f4f0", outline="#c8a951", width=4)
    rx0, ry0, rx1, ry1 = int(w * 0.30), int(h * 0.18), int(w * 0.72), int(h * 0.78)
    d.rectangle((rx0, ry0, rx1, ry1), fill="#2a6fdb", outline="#103a7a", width=4)
    f_big, f_small = latin_font(max(14, w // 26)), latin_font(max(11, w // 40))
    d.text((rx0 + 14, ry0 + 16), "SONGLE", font=f_big, fill="white")
    d.text((rx0 + 14, ry0 + 16 + w // 22), RELAY_PART, font=f_small, fill="white")
    d.text((rx0 + 14, ry0 + 16 + 2 * w // 22), "10A 250VAC  10A 30VDC", font=f_small, fill="white")
    tx0 = int(w * 0.78)  # green screw terminal block with three screws
    d.rectangle((tx0, int(h * 0.22), w - 35, int(h * 0.76)), fill="#2e8b57", outline="#14502f")
    for i in range(3):
        cy = int(h * 0.30) + i * int(h * 0.16)
        d.ellipse((tx0 + 12, cy - 16, tx0 + 44, cy + 16), fill="#c0c0c0", outline="#555")
        d.line((tx0 + 16, cy, tx0 + 40, cy), fill="#555", width=4)
    for i, label in enumerate(["VCC", "GND", "IN"]):  # header pins
        cy = int(h * 0.32) + i * int(h * 0.14)
        d.rectangle((50, cy - 9, 72, cy + 9), fill="#222")
        d.text((80, cy - 9), label, font=f_small, fill="white")
    d.ellipse((int(w * 0.18), int(h * 0.80), int(w * 0.18) + 16, int(h * 0.80) + 16), fill="red")
    return img


def draw_sensor(size: tuple[int, int] = (600, 400)) -> Image.Image:
    """A temperature sensor breakout: small black TO-92 part, pins and a Japanese label."""
    w, h = size
    img = Image.new("RGB", size, "#e9eef2")
    d = ImageDraw.Draw(img)
    d.rounded_rectangle(
        (60, 60, w - 60, h - 60), radius=14, fill="#0b6e4f", outline="#063", width=3
    )
    cx, cy = w // 2, h // 2 - 20
    d.chord((cx - 50, cy - 60, cx + 50, cy + 40), start=180, end=360, fill="#151515")
    d.rectangle((cx - 50, cy - 10, cx + 50, cy + 40), fill="#151515")
    d.text((cx - 36, cy - 2), SENSOR_PART, font=latin_font(18), fill="#dddddd")
    for dx in (-30, 0, 30):
        d.rectangle((cx + dx - 4, cy + 40, cx + dx + 4, cy + 110), fill="#b8b8b8")
    d.text((80, h - 110), "温度センサ", font=japanese_font(34), fill="white")
    d.text((w - 230, h - 100), "-40〜125℃", font=japanese_font(26), fill="white")
    return img


def draw_driver_board(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A stepper motor driver: purple board, square chip with heat sink, potentiometer."""
    w, h = size
    img = Image.new("RGB", size, "#fafafa")
    d = ImageDraw.Draw(img)
    d.rectangle((70, 40, w - 70, h - 40), fill="#5b2a86", outline="#2e1046", width=4)
    d.rectangle((w // 2 - 90, h // 2 - 90, w // 2 + 90, h // 2 + 90), fill="#202020")
    for i in range(9):  # heat-sink fins
        x = w // 2 - 80 + i * 20
        d.rectangle((x, h // 2 - 80, x + 8, h // 2 + 80), fill="#9aa3ad")
    d.ellipse((110, 70, 170, 130), fill="#d9d9d9", outline="#777", width=3)
    d.line((125, 100, 155, 100), fill="#777", width=5)
    for i in range(8):
        d.rectangle((85, 150 + i * 34, 105, 170 + i * 34), fill="#c9a227")
        d.rectangle((w - 105, 150 + i * 34, w - 85, 170 + i * 34), fill="#c9a227")
    d.text((w // 2 - 70, h - 95), DRIVER_PART, font=latin_font(26), fill="white")
    return img


def draw_parts_tray(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Loose parts on a grey tray: connectors, a crystal and resistors, with a bin label."""
    w, h = size
    img = Image.new("RGB", size, "#8d939a")
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, w - 20, h - 20), outline="#5a6066", width=8)
    for i in range(4):  # white 4-pin connectors
        x = 60 + i * 140
        d.rectangle((x, 70, x + 100, 130), fill="#f2f2f2", outline="#999", width=2)
        for j in range(4):
            d.rectangle((x + 10 + j * 22, 85, x + 22 + j * 22, 115), fill="#c9a227")
    d.rounded_rectangle((80, 200, 200, 250), radius=22, fill="#c0c0c0", outline="#777", width=3)
    d.text((100, 213), "16.000", font=latin_font(20), fill="#333")
    for i in range(5):  # resistors with colour bands
        y = 300 + i * 30
        d.line((260, y, 560, y), fill="#bbb", width=3)
        d.rounded_rectangle((360, y - 10, 460, y + 10), radius=8, fill="#e3c9a0")
        for k, c in enumerate(["#a52a2a", "#000", "#ff8c00", "#c9a227"]):
            d.rectangle((372 + k * 20, y - 10, 378 + k * 20, y + 10), fill=c)
    d.rectangle((40, h - 90, 250, h - 40), fill="white")
    d.text((52, h - 80), "JST XH 4P / 部品", font=japanese_font(24), fill="black")
    return img


def as_photo(img: Image.Image, seed: int, angle: float = 0.0) -> Image.Image:
    """Make a flat drawing look a little like a camera shot: tilt, blur, noise, vignette."""
    rng = np.random.default_rng(seed)
    shot = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="#7a6f62")
    shot = shot.filter(ImageFilter.GaussianBlur(0.8))
    arr = np.asarray(shot, dtype=np.float32)
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((xx - w / 2) / w, (yy - h / 2) / h)
    arr = arr * (1.0 - 0.5 * r[..., None] ** 2) + rng.normal(0, 5, arr.shape)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


# --- documents -------------------------------------------------------------------------


def png_bytes(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg_bytes(img: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def write_lines(page: pymupdf.Page, y: float, lines: list[str], **kw: object) -> float:
    size = float(kw.pop("fontsize", 11))  # type: ignore[arg-type]
    for line in lines:
        page.insert_text((56, y), line, fontsize=size, **kw)
        y += size * 1.5
    return y


def relay_datasheet() -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((56, 70), f"1-Channel Relay Module {RELAY_PART}", fontsize=18, fontname="hebo")
    page.insert_text((56, 92), "Datasheet  Rev. 1.2", fontsize=10, color=(0.4, 0.4, 0.4))
    page.insert_image(pymupdf.Rect(56, 110, 356, 307), stream=jpeg_bytes(draw_relay_board()))
    y = write_lines(
        page,
        340,
        [
            "Overview",
            f"The relay module uses a {RELAY_PART} electromagnetic relay (5 V DC coil) to switch",
            "loads of up to 10 A at 250 V AC or 30 V DC from a microcontroller output pin.",
            "An optocoupler isolates the control side; a red LED shows the relay state.",
        ],
    )
    rows = [
        ("Coil voltage", "5 V DC"),
        ("Coil current", "71 mA"),
        ("Contact rating", "10 A 250 V AC / 10 A 30 V DC"),
        ("Trigger", "Low level (IN = 0 V switches the relay)"),
        ("Board size", "50 x 26 x 18.5 mm"),
        ("Mounting holes", "4 x M3"),
    ]
    y += 16
    page.insert_text((56, y), "Specifications", fontsize=13, fontname="hebo")
    y += 10
    for name, value in rows:
        page.draw_rect(pymupdf.Rect(56, y, 536, y + 20), color=(0.6, 0.6, 0.6), width=0.5)
        page.insert_text((62, y + 14), name, fontsize=10)
        page.insert_text((220, y + 14), value, fontsize=10)
        y += 20
    page2 = doc.new_page()
    page2.insert_text((56, 70), "Pinout and wiring", fontsize=16, fontname="hebo")
    write_lines(
        page2,
        100,
        [
            "VCC  - 5 V supply",
            "GND  - ground",
            "IN   - control input, active low",
            "COM  - common contact;  NO - normally open;  NC - normally closed",
            "Connect the load between COM and NO to switch it on when IN is pulled low.",
            "Warning: mains voltage is dangerous. Keep 8 mm clearance around the terminals.",
        ],
    )
    _wiring_diagram(page2, 56, 260)
    return doc


def _wiring_diagram(page: pymupdf.Page, x: float, y: float) -> None:
    page.draw_rect(pymupdf.Rect(x, y, x + 120, y + 80), color=(0, 0, 0), width=1.2)
    page.insert_text((x + 20, y + 45), "MCU", fontsize=14)
    page.draw_rect(pymupdf.Rect(x + 260, y, x + 380, y + 80), color=(0, 0, 0.6), width=1.2)
    page.insert_text((x + 275, y + 45), "RELAY", fontsize=14)
    for i, label in enumerate(["5V", "GND", "D7"]):
        yy = y + 20 + i * 20
        page.draw_line((x + 120, yy), (x + 260, yy), color=(0.7, 0, 0), width=1)
        page.insert_text((x + 170, yy - 3), label, fontsize=8)


def sensor_spec_ja() -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page()
    ja = {"fontname": "japan"}
    page.insert_text((56, 70), f"温度センサモジュール {SENSOR_PART} 仕様書", fontsize=18, **ja)
    page.insert_image(pymupdf.Rect(56, 95, 296, 255), stream=jpeg_bytes(draw_sensor()))
    y = write_lines(
        page,
        290,
        [
            "１．概要",
            f"本製品はアナログ出力の温度センサ {SENSOR_PART} を搭載したモジュールです。",
            "周囲温度に比例した電圧を出力し、マイコンのＡＤ変換入力で読み取れます。",
            "２．仕様",
            "測定範囲：−４０℃〜＋１２５℃",
            "精度：±０．５℃（２５℃において）",
            "出力：１０ｍＶ／℃（２５℃で７５０ｍＶ）",
            "電源電圧：２．７Ｖ〜５．５Ｖ、消費電流：５０μＡ以下",
            "３．注意事項",
            "センサ部に直接水がかからないようにしてください。",
            "配線を誤ると故障の原因になります。電源の極性を確認してください。",
        ],
        **ja,
    )
    page.insert_text((56, y + 20), "Temperature sensor module (English summary)", fontsize=9)
    return doc


def stepper_manual() -> pymupdf.Document:
    doc = pymupdf.open()
    cover = doc.new_page()
    cover.insert_text(
        (56, 120), f"{DRIVER_PART} Stepper Motor Driver", fontsize=22, fontname="hebo"
    )
    cover.insert_text((56, 150), "User manual", fontsize=14)
    cover.insert_image(pymupdf.Rect(120, 200, 480, 470), stream=jpeg_bytes(draw_driver_board()))
    setup = doc.new_page()
    write_lines(
        setup,
        70,
        [
            "1. Setting the current limit",
            "Turn the potentiometer while measuring VREF between the wiper and GND.",
            "Current limit = VREF x 2.5. Do not exceed 2 A per coil without a heat sink.",
            "",
            "2. Microstepping",
            "MS1  MS2  MS3   resolution",
            "L    L    L     full step",
            "H    L    L     half step",
            "L    H    L     quarter step",
            "H    H    L     eighth step",
            "H    H    H     sixteenth step",
        ],
    )
    drawing = doc.new_page()
    drawing.insert_text((56, 60), "3. Outline drawing (mm)", fontsize=14, fontname="hebo")
    _outline_drawing(drawing)
    trouble = doc.new_page()
    write_lines(
        trouble,
        70,
        [
            "4. Troubleshooting",
            "Motor vibrates but does not turn: check the coil pairs (A1/A2, B1/B2).",
            "Driver gets hot: lower the current limit or add a heat sink and airflow.",
            "Missed steps at high speed: raise the supply voltage (8-35 V) or use ramps.",
            "Never connect or disconnect the motor while the driver is powered.",
        ],
    )
    return doc


def _outline_drawing(page: pymupdf.Page) -> None:
    """A vector dimension drawing: board outline, holes, dimension lines."""
    x0, y0, scale = 150.0, 140.0, 12.0  # 12 pt per mm
    w, h = 20.3 * scale, 15.2 * scale
    page.draw_rect(pymupdf.Rect(x0, y0, x0 + w, y0 + h), color=(0, 0, 0), width=1.5)
    for cx in (x0 + 1.3 * scale, x0 + w - 1.3 * scale):
        for i in range(8):
            page.draw_circle((cx, y0 + (1.3 + i * 1.8) * scale), 0.5 * scale, color=(0, 0, 0))
    dim_y = y0 + h + 30
    page.draw_line((x0, dim_y), (x0 + w, dim_y), color=(0, 0, 0.7), width=0.8)
    page.insert_text((x0 + w / 2 - 20, dim_y - 4), "20.3", fontsize=10, color=(0, 0, 0.7))
    dim_x = x0 + w + 30
    page.draw_line((dim_x, y0), (dim_x, y0 + h), color=(0, 0, 0.7), width=0.8)
    page.insert_text((dim_x + 4, y0 + h / 2), "15.2", fontsize=10, color=(0, 0, 0.7))


def save_pdf(doc: pymupdf.Document, path: Path, title: str) -> None:
    doc.set_metadata(
        {
            "title": title,
            "author": "Sagasu sample generator",
            "creator": "resources/make_samples.py",
            "producer": "PyMuPDF",
            "creationDate": FIXED_DATE,
            "modDate": FIXED_DATE,
        }
    )
    doc.save(path, garbage=4, deflate=True, no_new_id=True, reproducible=True)
    doc.close()


# --- photos ----------------------------------------------------------------------------


def save_rotated_jpeg(img: Image.Image, path: Path) -> None:
    """Store the pixels turned 90° with EXIF orientation 6, as phone cameras do."""
    stored = img.transpose(Image.Transpose.ROTATE_90)  # viewer rotates 90° clockwise back
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, format="JPEG", quality=85, exif=exif.tobytes())


def build(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    docs: list[tuple[str, Callable[[], pymupdf.Document], str]] = [
        (f"relay-module-{RELAY_PART}-datasheet.pdf", relay_datasheet, "Relay module datasheet"),
        (f"温度センサ_{SENSOR_PART}_仕様書.pdf", sensor_spec_ja, "温度センサ仕様書"),
        (f"stepper-driver-{DRIVER_PART}-manual.pdf", stepper_manual, "Stepper driver manual"),
    ]
    written = []
    for name, make, title in docs:
        save_pdf(make(), out / name, title)
        written.append(out / name)
    photos = out / "photos"
    photos.mkdir(exist_ok=True)
    relay = as_photo(draw_relay_board(pcb="#24589c"), seed=1, angle=6)
    relay.save(photos / "relay-board.jpg", quality=85)
    draw_sensor().save(photos / "temperature-sensor.png", optimize=True)
    save_rotated_jpeg(
        as_photo(draw_driver_board(), seed=3, angle=-4), photos / "driver-rotated.jpg"
    )
    as_photo(draw_parts_tray(), seed=4).save(photos / "parts-tray.jpg", quality=85)
    written += sorted(photos.iterdir())
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for path in build(target):
        print(f"{path.stat().st_size:>8}  {path.relative_to(target)}")
