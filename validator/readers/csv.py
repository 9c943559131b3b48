"""CSV extracts with a header row: bytes -> (line, row, cells) per data row. No plan knowledge.

A CSV file is a table, not batches: what a row becomes is decided by whoever reads the rows (a
Warehouse Sync pipeline, validator/warehouse/). What this module settles is the text itself:

- RFC 4180 quoting through the standard library's csv module: quoted commas, quotes doubled inside
  quotes, and newlines inside quotes stay in the cell;
- UTF-8, with a byte order mark at the start dropped; LF, CRLF or CR line ends;
- the first row is the header; a name repeated in it makes the file unreadable (InputError naming
  both columns), since a row could not say which value the name has;
- blank lines are not rows (they still count for line numbers);
- a row with fewer or more cells than the header is a RowProblem naming the row, its line and the
  counts, and reading goes on;
- `row` counts data rows from 1 (the header is row 0); `line` is the file line where the row
  starts (the header is line 1), which differs from row + 1 once a quoted cell holds a newline.

Cells are text here; `csv_value` gives the typed value a warehouse column would most likely have held
(see its docstring).
"""

from __future__ import annotations

import csv
import io
import re
from typing import IO, Any, Iterator, NamedTuple, Union

from .records import InputError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_CELL_CHARS = 64 << 20
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
ABSENT: Any = object()  # csv_value of an empty cell or NULL


class CsvRow(NamedTuple):
    """One data row: its 1-based row number, the file line where it starts, and its cells."""

    row: int
    line: int
    cells: list


class RowProblem(NamedTuple):
    """A data row that cannot be read as the header says; `message` names the row and the line."""

    row: int
    line: int
    message: str


def read_csv(stream: IO[bytes], source: str) -> tuple[list, Iterator[Union[CsvRow, RowProblem]]]:
    """The header and an iterator of rows of a binary CSV stream.

    Takes the stream and the name to report. Returns (header names, rows). Raises InputError when the
    file is not UTF-8, has no header, or repeats a name in the header (reading the rows may raise
    InputError too, for text that is not UTF-8 further down).
    """
    # A warehouse cell (JSON text, a long list) can exceed the csv module's 128 KiB default.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=False)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{source}: cannot read the CSV header: {exc}") from None
    if not header or header == [""]:
        raise InputError(f"{source}: no header row (an extract's first row names its columns)")
    seen: dict = {}
    for index, name in enumerate(header):
        if name in seen:
            raise InputError(
                f"{source}: the header repeats the column name {name!r} "
                f"(columns {seen[name] + 1} and {index + 1}); rename one in the data model's SELECT"
            )
        seen[name] = index
    return header, _rows(reader, header, source)


def _rows(reader: Any, header: list, source: str) -> Iterator[Union[CsvRow, RowProblem]]:
    width = len(header)
    row = 0
    line_before = reader.line_num
    while True:
        try:
            cells = next(reader, None)
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: line {line_before + 1}: not UTF-8 text: {exc}") from None
        except csv.Error as exc:
            raise InputError(f"{source}: line {line_before + 1}: {exc}") from None
        if cells is None:
            return
        start = line_before + 1
        line_before = reader.line_num
        if not cells:  # a blank line
            continue
        row += 1
        if len(cells) != width:
            fewer = "few" if len(cells) < width else "many"
            yield RowProblem(
                row,
                start,
                f"row {row} (line {start}): too {fewer} cells: {len(cells)}, the header has {width}",
            )
            continue
        yield CsvRow(row, start, cells)


def csv_value(cell: str) -> Any:
    """The value a CSV cell most likely held in the warehouse, as JSON data (ABSENT for no value).

    - empty, or exactly `NULL` (how warehouses unload SQL NULL; `null` or `Null` stay text, a
      surname can be Null): ABSENT;
    - `true` / `false` in any case: a boolean;
    - a JSON number without leading zeros or `+`: an integer, or a float when it has a fraction or
      exponent; integers beyond 2^53 - 1 stay text (JavaScript could not hold them exactly, and
      such columns are IDs), and so do `007`, `+1`, `1.`, ` 42`;
    - anything else: the text as is.
    """
    if not cell or cell == "NULL":
        return ABSENT
    first = cell[0]
    if first in "tTfF":
        lowered = cell.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        return cell
    if (first == "-" or "0" <= first <= "9") and _NUMBER.fullmatch(cell):
        if cell.find(".") < 0 and cell.find("e") < 0 and cell.find("E") < 0:
            number = int(cell)
            return number if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else cell
        value = float(cell)
        return value if value - value == 0.0 else cell  # 1e999 is not a JSON number
    return cell
