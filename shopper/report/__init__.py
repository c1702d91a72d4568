"""PDF reports with reportlab. No Qt."""
