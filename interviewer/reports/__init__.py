"""Shareable reports (HTML, and PDF through ui/report_pdf.py) built from the services'
result models. Pure: no Qt, no SQL."""
