"""The app's look: one style sheet, named widgets styled by object name.

Every label gets a pixel to its right: a label's size is measured in whole pixels while its
text is drawn at fractional positions, so a word ending in a wide glyph ("Touchpoint") lost
its last letter under X11.
"""

STYLE_SHEET = """
QLabel { padding-right: 1px; }
QLabel#heading { font-weight: bold; font-size: 11pt; }
QLabel#runnerTitle { font-size: 13pt; font-weight: bold; }
QLabel#subtitle, QLabel#position, QLabel#badges, QLabel#hint, QLabel#scaleLabel {
    color: palette(mid);
}
QLabel#position { font-size: 9pt; }
QLabel#prompt { font-size: 15pt; font-weight: 600; margin-top: 4px; margin-bottom: 2px; }
QLabel#help { color: #455a64; font-size: 10pt; margin-bottom: 8px; }
QLabel#scoreLabel { font-size: 11pt; font-weight: bold; margin-right: 12px; }
QLabel#savedLabel { color: #2e7d32; }
QLabel#error { color: #b3261e; }
QLabel#noteLabel { font-weight: bold; }
QLabel#placeholder { font-size: 12pt; color: palette(mid); margin-top: 80px; }
QLabel#shopInstructions { background: #fff4e5; border: 1px solid #f0c36d; border-radius: 4px;
    padding: 4px 6px; }
QLabel#reviewComments, QLabel#auditComments { background: #e8f0fe; border: 1px solid #8ab4f8;
    border-radius: 4px; padding: 4px 6px; }
QFrame#reviewBar { background: #e8f0fe; border: 1px solid #8ab4f8; border-radius: 4px; }
QFrame#banner { background: #fff4e5; border: 1px solid #f0c36d; border-radius: 4px; }
QFrame#itemPanel:focus { border-left: 3px solid #1565c0; }
QPushButton:checked { background: #1565c0; color: white; border: 1px solid #0d47a1;
    border-radius: 3px; }
QPushButton#completeButton { font-weight: bold; padding: 4px 14px; }
QLabel#welcomeTitle { font-size: 20pt; font-weight: bold; }
QLabel#welcomeText { font-size: 11pt; }
"""
