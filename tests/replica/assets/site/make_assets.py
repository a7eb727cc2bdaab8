"""Rebuild the binary requisites of the offline replica: images, favicon and the web font.

Not run by the tests: its output is kept in the repository beside it. Needs Pillow and fontTools
(with brotli for WOFF2), which the project does not install; run it from a scratch environment::

    python3 -m venv /tmp/assets && /tmp/assets/bin/pip install pillow fonttools brotli
    /tmp/assets/bin/python tests/replica/assets/site/make_assets.py

The font is DejaVu Serif Bold from Debian's fonts-dejavu-core (/usr/share/fonts/truetype/dejavu/),
cut to Latin-1 and a few punctuation marks and packed as WOFF2; its licence is fonts/LICENSE-DejaVu.txt.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
IMG = HERE / "img"
FONTS = HERE / "fonts"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SERIF_BOLD = DEJAVU / "DejaVuSerif-Bold.ttf"
SANS_BOLD = DEJAVU / "DejaVuSans-Bold.ttf"

NAVY = (1, 63, 135)
CREAM = (250, 248, 240)
RED = (178, 34, 34)


def save_jpeg(image: Image.Image, name: str, quality: int = 72) -> None:
    image.convert("RGB").save(IMG / name, "JPEG", quality=quality, optimize=True, progressive=False)


def save_png(image: Image.Image, name: str) -> None:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    (IMG / name).write_bytes(buffer.getvalue())


def landscape(width: int, height: int) -> Image.Image:
    """A harbour at dusk: sky gradient, sun, hills, water with ripples, a crane."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    for y in range(horizon):
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(70 + 170 * t), int(110 + 90 * t), int(170 + 20 * t)))
    sun = (int(width * 0.72), int(height * 0.42)), int(height * 0.09)
    (cx, cy), r = sun
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 214, 120))
    points = [(0, horizon)]
    for x in range(0, width + 1, max(1, width // 40)):
        points.append((x, horizon - int(height * (0.06 + 0.05 * math.sin(x / width * 7.0)))))
    points.append((width, horizon))
    draw.polygon(points, fill=(52, 74, 60))
    for y in range(horizon, height):
        t = (y - horizon) / max(1, height - horizon)
        draw.line([(0, y), (width, y)], fill=(int(40 + 30 * t), int(80 + 20 * t), int(120 - 30 * t)))
    for i in range(12):
        y = horizon + int((height - horizon) * (i + 0.5) / 12)
        x0 = int(width * (0.15 + 0.05 * (i % 3)))
        draw.line([(x0, y), (x0 + width // 4, y)], fill=(150, 170, 190), width=max(1, height // 225))
    base_x = int(width * 0.2)
    mast = max(2, width // 200)
    draw.rectangle([base_x, int(height * 0.2), base_x + mast, horizon], fill=(30, 30, 40))
    draw.line([(base_x - width // 20, int(height * 0.22)), (base_x + width // 6, int(height * 0.22))],
              fill=(30, 30, 40), width=mast)
    return image


def cover() -> Image.Image:
    image = Image.new("RGB", (150, 220), NAVY)
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 139, 209], outline=CREAM, width=2)
    font = ImageFont.truetype(str(SERIF_BOLD), 22)
    small = ImageFont.truetype(str(SANS_BOLD), 11)
    draw.text((75, 80), "Global\nResearch", font=font, fill=CREAM, anchor="mm", align="center")
    draw.rectangle([30, 120, 119, 123], fill=RED)
    draw.text((75, 185), "PUBLISHERS", font=small, fill=CREAM, anchor="mm")
    return image


def mark(size: int) -> Image.Image:
    """The favicon: a navy disc with a cream globe and a red meridian."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([0, 0, size - 1, size - 1], fill=NAVY)
    pad = size // 6
    line = max(1, size // 16)
    draw.ellipse([pad, pad, size - 1 - pad, size - 1 - pad], outline=CREAM, width=line)
    draw.line([(pad, size // 2), (size - 1 - pad, size // 2)], fill=CREAM, width=line)
    draw.ellipse([size // 2 - size // 8, pad, size // 2 + size // 8, size - 1 - pad], outline=RED, width=line)
    return image


def logo(text: str, width: int, height: int, background: tuple[int, int, int], colour: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(SERIF_BOLD), int(height * 0.45))
    draw.text((height // 4, height // 2), text, font=font, fill=colour, anchor="lm")
    return image.quantize(colors=8)


def search_button() -> Image.Image:
    image = Image.new("RGB", (24, 24), NAVY)
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 4, 15, 15], outline=CREAM, width=2)
    draw.line([(14, 14), (20, 20)], fill=CREAM, width=3)
    return image


def print_icon() -> Image.Image:
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle([4, 1, 11, 5], outline=(60, 60, 60), fill=(255, 255, 255))
    draw.rectangle([1, 5, 14, 11], fill=(90, 90, 90))
    draw.rectangle([4, 9, 11, 14], outline=(60, 60, 60), fill=(255, 255, 255))
    return image


def stripe() -> Image.Image:
    image = Image.new("RGB", (8, 8), NAVY)
    draw = ImageDraw.Draw(image)
    draw.line([(0, 7), (7, 0)], fill=(12, 78, 152))
    return image.quantize(colors=2)


def web_font() -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    font = TTFont(str(SERIF_BOLD))
    subsetter = subset.Subsetter(options)
    text = "".join(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100)]) + "‘’“”–—…€"
    subsetter.populate(text=text)
    subsetter.subset(font)
    subset.save_font(font, str(FONTS / "dejavu-serif-bold-latin1.woff2"), options)


def main() -> None:
    IMG.mkdir(exist_ok=True)
    FONTS.mkdir(exist_ok=True)
    scene = landscape(800, 450)
    save_jpeg(scene, "photo.jpg", quality=68)
    save_jpeg(scene.resize((400, 225), Image.Resampling.LANCZOS), "photo-400x225.jpg")
    save_jpeg(scene.resize((120, 80), Image.Resampling.LANCZOS), "photo-120x80.jpg", quality=80)
    save_jpeg(cover(), "cover.jpg", quality=80)
    save_jpeg(search_button(), "button.jpg", quality=90)
    save_png(mark(192), "favicon.png")
    icon = mark(64)
    icon.save(IMG / "favicon.ico", format="ICO", sizes=[(16, 16), (32, 32)])
    save_png(print_icon(), "printme.png")
    save_png(stripe(), "header-stripe.png")
    save_png(logo("Global Research", 300, 56, NAVY, CREAM), "logo-globalresearch.png")
    save_png(logo("RT", 96, 40, (255, 255, 255), (119, 185, 47)), "logo-rt.png")
    web_font()
    for path in sorted([*IMG.iterdir(), *FONTS.iterdir()]):
        print(f"{path.relative_to(HERE)}\t{path.stat().st_size}")


if __name__ == "__main__":
    main()
