"""Named errors. Every failure a user can meet has its own class and a message that says what to do."""

import errno as _errno


class TrappeError(Exception):
    """Base class for every error trappe-xl raises on purpose."""


class StatbankError(TrappeError):
    """Statistikbanken answered with an error, or with something that is not a valid answer.

    ``status`` is the HTTP status (None for transport problems), ``dst_message`` the ``message``
    field of DST's JSON error body when there was one.
    """

    def __init__(self, message: str, *, status: int | None = None, dst_message: str | None = None,
                 url: str | None = None):
        super().__init__(message)
        self.status = status
        self.dst_message = dst_message
        self.url = url


class TableInfoError(StatbankError):
    """A requested table, variable or code is not (or no longer) in DST's tableinfo."""


class FetchValidationError(TrappeError):
    """Fetched data that the strict loader refuses: nothing is published (the parts are kept)."""


class SnapshotError(TrappeError):
    """A snapshot folder is missing, incomplete, or its files do not match the manifest."""


class ParseError(TrappeError):
    """Response or export bytes could not be turned into canonical rows."""


class UnknownAreaError(ParseError):
    """An area code/name that is neither one of the 98 municipalities nor a known aggregate."""


class DuplicateRowsError(ParseError):
    """The same key appears more than once."""


class WrongTableError(ParseError):
    """An export belongs to another table/unit than the one expected."""


class PopulationAgesError(ParseError):
    """A population export holds one age only, or not every age 0–22 (per-child figures need them)."""


class DuplicateTableYearError(DuplicateRowsError):
    """Two imported files hold figures for the same table and year (the same key twice)."""


class PriceIndexGapError(ParseError):
    """A price index skips a year, or a year has no value: fixed prices would be wrong there."""


class MixedUnitsError(ParseError):
    """Accounts in kr. pr. indbygger and in 1.000 kr. (or two price indexes) would be mixed."""


class NumberError(ParseError):
    """A value is not a number that can be read exactly (``12x4``, ``1234 kr``, ``NaN``)."""


class AmbiguousNumberError(NumberError):
    """A value reads as two different numbers (``1.234``: 1234 with Danish settings, 1.234 with
    English ones) and nothing in the file says which; it is refused, never guessed."""


class LimitError(ParseError):
    """An input is larger or of a stranger shape than any Statistikbanken export (file size, sheet
    dimensions, decompressed size); refused before it is read."""


class KeyValidationError(TrappeError):
    """The translation key (kontoplan -> trin) breaks one of its rules; the message names the rows."""


class KeyCoverageError(TrappeError):
    """Account rows exist that no rule of the key covers; ``uncovered`` lists them."""

    def __init__(self, message: str, uncovered=None):
        super().__init__(message)
        self.uncovered = uncovered


class ConservationError(TrappeError):
    """Sum over steps + 'ikke fordelt' differs from the source total."""


class MissingIndexYearError(TrappeError):
    """Fixed prices were asked for, but the price index lacks a needed year."""


class SelectionError(TrappeError):
    """An analysis selection (kommune, group, year, unit ...) is not valid."""


class OutputError(TrappeError):
    """The workbook cannot be written where asked (a folder, a device, no access, busy)."""


class SheetLimitError(TrappeError):
    """A table would not fit on one worksheet (1,048,576 rows); nothing is written."""


_ERRNO_DA = {
    _errno.ENOENT: "findes ikke", _errno.EACCES: "ingen adgang", _errno.EPERM: "ikke tilladt",
    _errno.EISDIR: "er en mappe", _errno.ENOTDIR: "en del af stien er ikke en mappe",
    _errno.EROFS: "skrivebeskyttet filsystem", _errno.ENOSPC: "disken er fuld",
    _errno.EDQUOT: "diskkvoten er brugt op", _errno.EEXIST: "findes allerede",
    _errno.ENAMETOOLONG: "navnet er for langt", _errno.EBUSY: "er optaget",
    _errno.EXDEV: "ligger på et andet drev", _errno.ELOOP: "for mange symbolske links",
    _errno.ENXIO: "ingen sådan enhed", _errno.ENODEV: "ingen sådan enhed", _errno.EIO: "I/O-fejl",
    _errno.EMFILE: "for mange åbne filer", _errno.ENOTEMPTY: "mappen er ikke tom",
    _errno.EINVAL: "ugyldigt navn eller argument", _errno.ETXTBSY: "filen er i brug",
}


def describe_oserror(e: OSError) -> str:
    """An OSError as Danish text: '<path>: ingen adgang' (the path when the error has one)."""
    text = _ERRNO_DA.get(e.errno) or e.strerror or str(e) or type(e).__name__
    path = e.filename
    if path is not None and e.filename2 is not None:
        return f"{path} → {e.filename2}: {text}"
    return f"{path}: {text}" if path is not None else text


#: English texts of the libraries that read files (zipfile, csv, XML, calamine) -> Danish
_LIBRARY_DA = (
    ("File is not a zip file", "filen er ikke en ZIP-fil, og en XLSX-fil er altid en ZIP-fil"),
    ("Bad CRC-32", "ZIP-filen er beskadiget (en kontrolsum passer ikke)"),
    ("Bad magic number", "ZIP-filen er beskadiget"),
    ("Truncated file header", "ZIP-filen er afkortet"),
    ("Cannot detect file format", "filformatet kan ikke genkendes"),
    ("field larger than field limit", "et felt er længere end 131.072 tegn"),
    ("unrecognized entity", "XML'en indeholder en ukendt entitet"),
    ("not well-formed", "XML'en er ikke gyldig"),
    ("new-line character seen in unquoted field", "et linjeskift midt i et felt uden anførselstegn"),
    ("unexpected end of data", "filen slutter midt i et felt"),
)


def library_text(e: BaseException) -> str:
    """The Danish for a library's English error text (the known ones); others as "fejl i filen"
    with the library's own words in parentheses, never as the whole message."""
    raw = str(e) or type(e).__name__
    for en, da in _LIBRARY_DA:
        if en.lower() in raw.lower():
            return da
    return f"filen kan ikke læses ({type(e).__name__})"
