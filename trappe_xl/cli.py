"""The command line: ``python build.py [fetch|import|build|check] ...`` (same as ``trappe-xl``).

Reads top to bottom as a list of named steps; the work itself lives in the library modules.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .errors import TrappeError, describe_oserror

log = logging.getLogger("trappe_xl")

DEFAULT_DATA_DIR = Path("data")
DEFAULT_YEARS = "2007-2024"


def _years(text: str) -> tuple[int, int]:
    try:
        a, _, b = text.partition("-")
        first, last = int(a), int(b or a)
    except ValueError:
        raise argparse.ArgumentTypeError(f"years must look like 2007-2024, not {text!r}") from None
    if first > last or first < 2007:
        raise argparse.ArgumentTypeError(f"year range {text!r} must run forward from 2007 at the earliest")
    return first, last


def _parser() -> argparse.ArgumentParser:
    # --data-dir is accepted before or after the subcommand; the subparsers SUPPRESS their default
    # so that `trappe-xl --data-dir X build` keeps X.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="folder that holds snapshots (default: data/)")
    p = argparse.ArgumentParser(prog="trappe-xl", parents=[common],
                                description="Indsatstrappens Udgiftsmodel: fetch data, build the workbook.")
    sub = p.add_subparsers(dest="command")

    f = sub.add_parser("fetch", parents=[common], help="download from Statistikbanken into a new snapshot")
    f.add_argument("--years", type=_years, default=_years(DEFAULT_YEARS), help="e.g. 2007-2024")
    f.add_argument("--tables", nargs="+", help="subset of tables to fetch (default: all)")
    f.add_argument("--dry-run", action="store_true", help="print every request, send nothing")

    i = sub.add_parser("import", parents=[common], help="import hand-downloaded Statistikbanken exports")
    i.add_argument("files", nargs="+", type=Path)
    i.add_argument("--table", default=None, help="table the exports come from (default: detect)")

    b = sub.add_parser("build", parents=[common], help="build the workbook from a snapshot")
    b.add_argument("--snapshot", type=Path, help="snapshot folder (default: the newest in data-dir)")
    b.add_argument("--out", type=Path, help="output .xlsx (default: workbooks/…)")

    c = sub.add_parser("check", parents=[common], help="verify a built workbook against the model")
    c.add_argument("workbook", type=Path)
    c.add_argument("--snapshot", type=Path)
    return p


def cmd_fetch(args) -> int:
    from .sources.fetch import run_fetch
    run_fetch(args.data_dir, years=args.years, tables=args.tables, dry_run=args.dry_run, out=print)
    return 0


def cmd_import(args) -> int:
    from .sources.imports import run_import
    run_import(args.data_dir, args.files, table=args.table, out=print)
    return 0


def cmd_build(args) -> int:
    from .pipeline import build
    build(args.data_dir, snapshot=args.snapshot, out=args.out, say=print)
    return 0


def cmd_check(args) -> int:
    from .pipeline import check
    return 0 if check(args.workbook, data_dir=args.data_dir, snapshot=args.snapshot, say=print) else 1


def cmd_default(args) -> int:
    """Bare ``python build.py``: fetch when Statistikbanken answers, else say so and build offline."""
    from .sources.fetch import network_available, run_fetch
    lo, hi = _years(DEFAULT_YEARS)
    if network_available():
        run_fetch(args.data_dir, years=(lo, hi), tables=None, dry_run=False, out=print)
    else:
        print("Offline: api.statbank.dk svarer ikke – bygger på det nyeste snapshot i "
              f"{args.data_dir}/ (offline: building from the newest shipped snapshot).")
    from .pipeline import build
    build(args.data_dir, snapshot=None, out=None, say=print)
    return 0


COMMANDS = {"fetch": cmd_fetch, "import": cmd_import, "build": cmd_build, "check": cmd_check,
            None: cmd_default}


#: exit codes: 2 = a named error (bad input, bad path, refused), 3 = an unexpected error, 130 = Ctrl-C
EXIT_ERROR, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 2, 3, 130
MAX_MESSAGE = 600


def _one_line(text: str) -> str:
    """A message as one line of at most MAX_MESSAGE characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE - 1] + "…"


def _report(e: BaseException) -> int:
    """Every error ends as ONE Danish line on stderr and a non-zero exit code, never a traceback
    (set TRAPPE_DEBUG=1 to get the traceback of an unexpected error)."""
    if isinstance(e, TrappeError):
        print(_one_line(f"fejl ({type(e).__name__}): {e}"), file=sys.stderr)
        return EXIT_ERROR
    if isinstance(e, KeyboardInterrupt):
        print("afbrudt: intet er gemt halvt (snapshots og projektmapper skrives færdige eller slet ikke)",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(e, OSError):
        print(_one_line(f"fejl (filsystem): {describe_oserror(e)}"), file=sys.stderr)
        return EXIT_ERROR
    if isinstance(e, MemoryError):
        print("fejl: ikke nok hukommelse til opgaven", file=sys.stderr)
        return EXIT_ERROR
    if os.environ.get("TRAPPE_DEBUG"):
        raise e
    print(_one_line(f"uventet fejl ({type(e).__name__}: {e}) – kør igen med TRAPPE_DEBUG=1 for "
                    "detaljer, og meld fejlen"), file=sys.stderr)
    return EXIT_UNEXPECTED


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = _parser().parse_args(argv)
    if not hasattr(args, "data_dir"):
        args.data_dir = DEFAULT_DATA_DIR
    try:
        return COMMANDS[args.command](args)
    except (Exception, KeyboardInterrupt) as e:  # noqa: BLE001 – see _report
        return _report(e)


if __name__ == "__main__":
    sys.exit(main())
