"""Result tables as CSV and XLSX files (SPEC S3, C7, V4).

Any table can be exported: give the columns as `(key, label, accessor)` triples (as in
`reports.queries.COLUMNS`), an iterable of rows, and the marking key of what is exported
("protect", "restricted" or "confidential"; its printed label is the deployment's, C7).

- The protective marking is the first line of a CSV file; in an XLSX file it is the first
  row and the header and footer of the printed sheet.
- Spreadsheet formula injection is neutralised: a text cell that starts with =, +, -, @, a
  tab or a carriage return gets a leading apostrophe in a CSV file, and is written as text
  with Excel's hidden "quote prefix" in an XLSX file (which never turns strings into
  formulas, numbers or links).
- A queryset is read in chunks (`iterator(chunk_size=...)`, which keeps its prefetches), and
  the file is built in memory: fine for tens of thousands of rows.

Scope is not decided here: callers pass rows the policy allows, and bulk exports of case
data must have gone through `policy.exportable` (no Confidential records, V4).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

Column = tuple[str, str, Callable]

CHUNK_SIZE = 2000
# What a spreadsheet would read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_STRING = 32767  # Excel's limit for the text of one cell
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Export:
    content: bytes
    row_count: int


def marking_label(marking: str) -> str:
    """The printed label of a marking key in this deployment's scheme (C7)."""
    labels = settings.MARKING_LABELS[settings.MARKING_SCHEME]
    if marking not in labels:
        raise ValueError(f"Not a protective marking: {marking!r} (use one of {sorted(labels)})")
    return labels[marking]


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value) -> str:
    """A value as safe CSV text: formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if is_formula_like(text) else text


def _rows(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def build_csv(columns: Sequence[Column], rows: Iterable, marking: str) -> Export:
    """UTF-8 with a byte-order mark (so that Excel reads it as UTF-8): the marking label on
    the first line, the column labels on the second, then one line per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([marking_label(marking)])
    writer.writerow([neutralise(label) for _key, label, _accessor in columns])
    count = 0
    for row in _rows(rows):
        writer.writerow([neutralise(accessor(row)) for _key, _label, accessor in columns])
        count += 1
    return Export(buffer.getvalue().encode("utf-8"), count)


def build_xlsx(
    columns: Sequence[Column], rows: Iterable, marking: str, *, sheet_name: str = "Results"
) -> Export:
    """One sheet: the marking label in row 1 (and as the printed header and footer), the
    column labels in bold in row 2 (frozen), then one row per record. Numbers stay numbers;
    everything else is written as text."""
    label = marking_label(marking)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,  # rows are flushed as they are written
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    marking_format = workbook.add_format({"bold": True, "font_color": "#d4351c"})
    header_format = workbook.add_format({"bold": True, "bottom": 1})
    quoted_format = workbook.add_format({"quote_prefix": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    printed = "&C&B" + label.replace("&", "&&")
    sheet.set_header(printed)
    sheet.set_footer(printed)
    sheet.freeze_panes(2, 0)
    sheet.write_string(0, 0, label, marking_format)
    for column, (_key, heading, _accessor) in enumerate(columns):
        sheet.write_string(1, column, str(heading), header_format)
        sheet.set_column(column, column, max(12, min(40, len(str(heading)) + 4)))
    count = 0
    for count, row in enumerate(_rows(rows), start=1):
        for column, (_key, _label, accessor) in enumerate(columns):
            _write_cell(sheet, count + 1, column, accessor(row), quoted_format)
    workbook.close()
    return Export(output.getvalue(), count)


def _write_cell(sheet, row: int, column: int, value, quoted_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, column, "Yes" if value else "No")
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        text = str(value)
        if len(text) > XLSX_MAX_STRING:
            text = text[: XLSX_MAX_STRING - 1] + "…"
        if is_formula_like(text):
            sheet.write_string(row, column, text, quoted_format)
        else:
            sheet.write_string(row, column, text)


def _attachment(content: bytes, content_type: str, filename: str, row_count: int):
    response = HttpResponse(content, content_type=content_type)
    # Filenames are ours (e.g. sentinel-report-2026-11-21.csv), never personal data.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    response.row_count = row_count  # for the caller's audit event
    return response


def csv_response(
    filename: str, columns: Sequence[Column], rows: Iterable, marking: str
) -> HttpResponse:
    """A CSV download. `response.row_count` is the number of rows written (for the audit)."""
    export = build_csv(columns, rows, marking)
    return _attachment(export.content, CSV_TYPE, filename, export.row_count)


def xlsx_response(
    filename: str, columns: Sequence[Column], rows: Iterable, marking: str
) -> HttpResponse:
    """An XLSX download. `response.row_count` is the number of rows written (for the
    audit)."""
    export = build_xlsx(columns, rows, marking)
    return _attachment(export.content, XLSX_TYPE, filename, export.row_count)


def dated_filename(stem: str, extension: str) -> str:
    """e.g. sentinel-report-2026-11-21.csv: what and when, never whose or about whom."""
    return f"sentinel-{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"
