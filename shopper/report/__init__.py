"""PDF reports with reportlab. No Qt.

- `styles`: fonts (registered on first use) and the paragraph style sheet;
- `text`: user strings into Paragraph markup that prints them literally;
- `formats`: how times, durations, opening hours and sizes are written;
- `redact`: masking e-mail addresses, phone numbers and names;
- `images`: evidence images checked, downscaled and re-encoded, once per report;
- `charts`, `flowables`: builders of the pieces of a page;
- `timecharts`: charts over time (score trends, sparklines, monthly bars, lanes);
- `document`: the page frame and the one `build()` that writes any binary file;
- `base`: what the three reports share: set-up and writing, the cover, table styles,
  plurals, colours in markup, and the one `Writer` that redacts user text;
- `facts`: what an audit report prints, as plain data;
- `context`: what the parts of one report share while it is laid out;
- `calltree`: the phone call drawn as a timeline and a tree;
- `instruments`: the phone call, website path, e-mail exchange and moments parts;
- `appendix`: every evidence file, images at a readable size;
- `audit`: the audit report;
- `comparison`: repeated audits compared, item by item (a package, one module a part:
  cover, summary, audits, changes, table, notes);
- `journey`: a company across its touchpoints (a package, one module a part: cover,
  touchpoints, heatmap, themes, moments).
"""
