"""PDF reports with reportlab. No Qt.

- `styles`: fonts (registered on first use) and the paragraph style sheet;
- `text`: user strings into Paragraph markup that prints them literally;
- `redact`: masking e-mail addresses, phone numbers and names;
- `images`: evidence images checked, downscaled and re-encoded;
- `charts`, `flowables`: builders of the pieces of a page;
- `document`: the page frame and the one `build()` that writes any binary file;
- `audit`: the audit report.
"""
