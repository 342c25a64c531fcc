"""The HTML report as a PDF, through Qt's rich text (QTextDocument + QPdfWriter).

QTextDocument draws a subset of HTML/CSS and no SVG, so each inline <svg> chart is first
drawn with QSvgRenderer into an image (at twice its size, for print) that the document
holds as a resource; the rest of the HTML is table-based and shows as it does in a
browser."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QUrl
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(\d+)"[^>]*?\bheight="(\d+)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_SHARPNESS = 2  # chart pixels per layout pixel
_keep: list[QGuiApplication] = []  # the application made here lives as long as the process


def html_to_pdf(html: str, path: Path) -> None:
    """Write `html` as an A4 PDF at `path`; OSError when it could not be written."""
    _application()
    if not path.parent.is_dir():
        raise OSError(f"the folder {path.parent} does not exist")
    document = QTextDocument()
    document.setHtml(_with_images(document, html))
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    title = _TITLE.search(html)
    # the <title> is HTML text; the PDF's title is plain ("&amp;" would show as such)
    writer.setTitle(unescape(title.group(1).strip()) if title else path.stem)
    writer.setCreator("Interviewer")
    document.print_(writer)
    del writer  # the file is complete once the writer is gone
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"the PDF {path} could not be written")


def _application() -> None:
    if QGuiApplication.instance() is None:
        _keep.append(QGuiApplication(["interviewer", "-platform", "offscreen"]))


def _with_images(document: QTextDocument, html: str) -> str:
    """Each inline SVG replaced by an <img> of it, held by `document`."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        svg = match.group(0)
        size = _SIZE.search(svg)
        width, height = (int(size.group(1)), int(size.group(2))) if size else (560, 200)
        name = f"chart-{count}.png"
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name),
                             _rasterize(svg, width, height))
        return f'<img src="{name}" width="{width}" height="{height}">'

    return _SVG.sub(replace, html)


def _rasterize(svg: str, width: int, height: int) -> QImage:
    image = QImage(width * _SHARPNESS, height * _SHARPNESS, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
    finally:
        painter.end()
    return image


__all__ = ["html_to_pdf"]
