"""Pictures the demo's shoppers attach as evidence: a web page, a till receipt, an e-mail.

Drawn with Pillow and its own default font (no font files): screenshots as PNG, the
photo of a receipt as JPEG. That font has
Latin letters only, so every text is drawn in plain ASCII (`drawable`): "Zielona Łąka"
prints as "Zielona Laka"; what the audit itself records keeps the company's real name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (222, 226, 230)
PAPER = (255, 255, 255)
CHROME = (233, 236, 239)
_SPELLED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae"})

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font(size: int) -> Font:
    """Pillow's default font at a size (its fixed bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size)
    except (TypeError, OSError):  # Pillow < 10.1, or built without FreeType
        return ImageFont.load_default()


def drawable(text: str) -> str:
    """The text in the letters the default font has: accents dropped, dashes plain."""
    text = text.translate(_SPELLED).replace("–", "-").replace("—", "-").replace("·", "-")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.split())


def _png(image: Image.Image) -> bytes:
    """A screenshot's PNG, in 64 colours: a third of the bytes, and quicker to write."""
    out = BytesIO()
    image.quantize(64, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    """A photo's JPEG, as a phone camera saves it."""
    out = BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int] = INK,
    *,
    anchor: str = "la",
) -> None:
    draw.text(xy, drawable(text), font=font(size), fill=fill, anchor=anchor)


def _fitting(text: str, size: int, width: float) -> int:
    """The largest size up to `size` at which the text fits the width (at least 10)."""
    while size > 10 and font(size).getlength(drawable(text)) > width:
        size -= 1
    return size


def _wrap(text: str, size: int, width: float) -> list[str]:
    words, lines, line = drawable(text).split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if font(size).getlength(trial) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


@dataclass(frozen=True)
class Brand:
    name: str
    domain: str
    color: tuple[int, int, int]
    phone: str


def page_picture(
    brand: Brand,
    *,
    url: str,
    title: str,
    heading: str,
    channels: Sequence[str],
    hours: str,
    taken: datetime,
) -> bytes:
    """A screenshot of a contact page in a browser: the address bar, the site's header,
    the ways to get in touch, and the clock of the shopper's screen."""
    width, height = 800, 460
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    # The browser: a tab strip with the clock, and the address bar.
    draw.rectangle((0, 0, width, 62), fill=CHROME)
    for n, color in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        draw.ellipse((12 + 18 * n, 10, 24 + 18 * n, 22), fill=color)
    draw.rounded_rectangle((76, 6, 300, 28), 6, fill=PAPER)
    _text(draw, (88, 17), title[:34], 12, anchor="lm")
    _text(draw, (width - 12, 17), f"{taken:%a %d %b %Y  %H:%M}", 12, MUTED, anchor="rm")
    draw.rounded_rectangle((12, 34, width - 12, 56), 11, fill=PAPER, outline=RULE)
    _text(draw, (26, 45), url, 13, MUTED, anchor="lm")
    # The site's header and menu.
    draw.rectangle((0, 62, width, 112), fill=brand.color)
    _text(draw, (24, 87), brand.name, 22, PAPER, anchor="lm")
    x: float = width - 24
    for label in reversed(("Shop", "Help", "About us", "Contact")):
        _text(draw, (x, 87), label, 14, PAPER, anchor="rm")
        x -= font(14).getlength(label) + 22
    # The page.
    _text(draw, (24, 134), heading, 26)
    _text(draw, (24, 172), "We are happy to help. Choose the way that suits you best.", 14, MUTED)
    boxes = {
        "phone": ("Call us", brand.phone, hours),
        "email": ("E-mail", f"help@{brand.domain}", "We reply within two working days"),
        "web_form": ("Contact form", "Send us a message", "Name, e-mail, order number"),
        "live_chat": ("Live chat", "Chat with our team", hours),
        "chat_bot": ("Ask our assistant", "Instant answers, 24/7", "Automated replies"),
    }
    shown = [c for c in boxes if c in channels] or ["web_form"]
    gap = 12
    box_w = (width - 48 - 2 * gap) // 3
    for n, channel in enumerate(shown[:6]):
        col, row = n % 3, n // 3
        left, top = 24 + col * (box_w + gap), 206 + row * 104
        draw.rounded_rectangle((left, top, left + box_w, top + 92), 8, outline=RULE, width=2)
        head, main, small = boxes[channel]
        _text(draw, (left + 14, top + 14), head, 13, MUTED)
        _text(draw, (left + 14, top + 36), main, _fitting(main, 17, box_w - 28), brand.color)
        _text(draw, (left + 14, top + 64), small, 12, MUTED)
    top = 206 + ((len(shown[:6]) + 2) // 3) * 104 + 8
    if top + 110 < height:
        _text(draw, (24, top), "Popular questions", 15)
        for n, question in enumerate(
            ("Where is my order?", "How do I change my details?", "Opening hours and addresses")
        ):
            _text(draw, (36, top + 28 + 22 * n), f"> {question}", 13, brand.color)
    if "live_chat" in channels or "chat_bot" in channels:
        draw.ellipse((width - 74, height - 74, width - 22, height - 22), fill=brand.color)
        _text(draw, (width - 48, height - 48), "Chat", 13, PAPER, anchor="mm")
    draw.line((0, height - 30, width - 90, height - 30), fill=RULE)
    _text(
        draw,
        (24, height - 15),
        f"(c) {taken:%Y} {brand.name} - {brand.domain}",
        11,
        MUTED,
        anchor="lm",
    )
    return _png(image)


def receipt_picture(
    brand: Brand,
    *,
    address: str,
    bought: Sequence[tuple[str, float]],
    currency: str,
    tax_rate: float,
    tax_included: bool,
    when: datetime,
    till: str,
) -> bytes:
    """A till receipt: the shop, what was bought and for how much, the tax (in the prices,
    or added on top as a US sales tax), the date and time."""
    decimals = 0 if currency == "JPY" else 2
    rows = len(bought)
    width, height = 340, 380 + 26 * rows
    image = Image.new("RGB", (width, height), (250, 248, 242))
    draw = ImageDraw.Draw(image)
    middle = width / 2
    _text(draw, (middle, 30), brand.name.upper(), 20, anchor="mm")
    _text(draw, (middle, 56), address, 12, MUTED, anchor="mm")
    _text(draw, (middle, 74), f"www.{brand.domain}", 12, MUTED, anchor="mm")
    _text(draw, (24, 104), f"{when:%d/%m/%Y}", 13)
    _text(draw, (width - 24, 104), f"{when:%H:%M}", 13, anchor="ra")
    _text(draw, (24, 124), till, 12, MUTED)
    y = 152
    _dashes(draw, y, width)
    y += 14
    total = 0.0
    for name, price in bought:
        _text(draw, (24, y), name, 14)
        _text(draw, (width - 24, y), _money(price, decimals), 14, anchor="ra")
        total += price
        y += 26
    _dashes(draw, y, width)
    y += 16
    if tax_included:
        tax = total - total / (1 + tax_rate)
        label = f"of which tax {tax_rate * 100:g}%"
    else:
        tax = total * tax_rate
        label = f"Sales tax {tax_rate * 100:g}%"
        total += tax
    _text(draw, (24, y), label, 13, MUTED)
    _text(draw, (width - 24, y), _money(tax, decimals), 13, MUTED, anchor="ra")
    y += 28
    _text(draw, (24, y), "TOTAL", 20)
    _text(draw, (width - 24, y), f"{currency} {_money(total, decimals)}", 20, anchor="ra")
    y += 40
    _text(draw, (24, y), "Paid by card  **** 4821", 13)
    y += 22
    _text(draw, (24, y), "Contactless - approved", 12, MUTED)
    y += 36
    # A barcode: bars from the digits of the total, so each receipt has its own.
    seed = sum(ord(c) * (n + 1) for n, c in enumerate(f"{total:.2f}{when:%H%M}"))
    x = 40
    while x < width - 40:
        bar = 1 + (seed >> (x % 13)) % 3
        draw.rectangle((x, y, x + bar - 1, y + 40), fill=INK)
        x += bar + 1 + (seed >> (x % 7)) % 3
    _text(draw, (middle, y + 62), "Thank you for shopping with us!", 13, anchor="mm")
    return _jpeg(image)


def _money(amount: float, decimals: int) -> str:
    return f"{amount:,.{decimals}f}"


def _dashes(draw: ImageDraw.ImageDraw, y: float, width: int) -> None:
    for x in range(24, width - 24, 10):
        draw.line((x, y, x + 5, y), fill=MUTED)


def email_picture(
    brand: Brand,
    *,
    sender: str,
    to: str,
    subject: str,
    when: datetime,
    body: Sequence[str],
) -> bytes:
    """An e-mail open in a mail program: who wrote, to whom, when, the subject, the text."""
    width = 680
    size, line_h, text_w = 14, 21, width - 64
    lines: list[str] = []
    for paragraph in body:
        for part in paragraph.splitlines():
            lines += _wrap(part, size, text_w)
        lines.append("")
    height = 200 + line_h * len(lines)
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 34), fill=CHROME)
    for n, label in enumerate(("Reply", "Reply all", "Forward", "Archive")):
        _text(draw, (18 + 86 * n, 17), label, 12, MUTED, anchor="lm")
    _text(draw, (32, 58), subject, 20)
    draw.ellipse((32, 86, 72, 126), fill=brand.color)
    _text(draw, (52, 106), brand.name[:1], 20, PAPER, anchor="mm")
    stamp = f"{when:%a %d %b %Y, %H:%M}"
    room = width - 32 - font(12).getlength(stamp) - 16 - 86
    _text(draw, (86, 92), sender, _fitting(sender, 14, room))
    _text(draw, (86, 112), f"To: {to}", 12, MUTED)
    _text(draw, (width - 32, 92), stamp, 12, MUTED, anchor="ra")
    draw.line((32, 142, width - 32, 142), fill=RULE)
    y = 158
    for line in lines:
        _text(draw, (32, y), line, size)
        y += line_h
    return _png(image)
