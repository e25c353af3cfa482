"""Named errors. Every failure a user can meet has its own class and a message that says what to do."""


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


class SheetLimitError(TrappeError):
    """A table would not fit on one worksheet (1,048,576 rows); nothing is written."""
