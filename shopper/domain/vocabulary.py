"""The words audits are filed under: touchpoints and themes."""

from __future__ import annotations

TOUCHPOINTS: dict[str, str] = {
    "website": "Website",
    "phone": "Phone",
    "email": "Email",
    "chat": "Live chat",
    "store": "Store visit",
    "delivery": "Order & delivery",
    "survey": "Satisfaction survey",
    "other": "Other",
}

KNOWN_THEMES: dict[str, str] = {
    "contactability": "Contactability",
    "speed": "Speed",
    "clarity": "Clarity",
    "empathy": "Empathy",
    "knowledge": "Knowledge",
    "resolution": "Resolution",
    "follow-up": "Follow-up",
    "brand": "Brand",
    "personal": "Personal touch",
    "product": "Product",
    "effort": "Customer effort",
    "bias": "Survey bias",
}


def theme_label(theme: str) -> str:
    return KNOWN_THEMES.get(theme, theme.replace("-", " ").capitalize())


def touchpoint_label(kind: str) -> str:
    return TOUCHPOINTS.get(kind, kind.capitalize())
