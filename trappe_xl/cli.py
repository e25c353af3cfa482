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
#: fetch: from 2007 to the newest year each table has
FIRST_YEAR = 2007
#: what ``import --table`` accepts (PL = a user's own two-column price index)
IMPORT_TABLES = ("REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1", "PL")


def _years(text: str) -> tuple[int, int | None]:
    """``2007-2024``, ``2025`` (one year) or ``2007-`` (to the newest year each table has)."""
    try:
        a, dash, b = text.partition("-")
        first = int(a)
        last = None if dash and not b.strip() else int(b or a)
    except ValueError:
        raise argparse.ArgumentTypeError(f"år skal skrives som 2007-2024, 2025 eller 2007-, ikke {text!r}") from None
    if first < 2007 or (last is not None and first > last):
        raise argparse.ArgumentTypeError(f"årsintervallet {text!r} skal gå forlæns og tidligst "
                                         "begynde i 2007")
    return first, last


def _xlsx(text: str) -> Path:
    """--out: the workbook is always an .xlsx file; another extension is refused, not rewritten."""
    path = Path(text)
    if path.suffix.lower() != ".xlsx":
        raise argparse.ArgumentTypeError(
            f"{text!r}: projektmappen skrives altid som .xlsx – giv et filnavn, der ender på .xlsx "
            "(fx workbooks/analyse.xlsx)")
    return path


#: argparse's own English error phrases -> Danish (argparse builds them internally)
_DANISH = (("the following arguments are required:", "disse argumenter mangler:"),
           ("unrecognized arguments:", "ukendte argumenter:"),
           ("invalid choice:", "ugyldigt valg:"), ("(choose from", "(vælg mellem"),
           ("expected at least one argument", "forventer mindst én værdi"),
           ("expected one argument", "forventer én værdi"),
           ("ignored explicit argument", "overflødig værdi"))


def _danish(message: str) -> str:
    for en, da in _DANISH:
        message = message.replace(en, da)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="brug: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose own texts (headings, -h, errors) are Danish like the rest of the CLI."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="vis denne hjælp og afslut")

    def error(self, message):
        # one Danish line like every other refusal (the usage is one --help away)
        self.exit(2, f"fejl: {_danish(message)} (se '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    # --data-dir is accepted before or after the subcommand; the subparsers SUPPRESS their default
    # so that `trappe-xl --data-dir X build` keeps X.
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, metavar="MAPPE",
                        help="mappen med snapshots (standard: data/)")
    p = _Parser(prog="trappe-xl", parents=[common],
                description="Indsatstrappens Udgiftsmodel: hent data fra Danmarks Statistik og byg "
                            "projektmappen. Uden kommando: hent, hvis Statistikbanken svarer, og "
                            "byg derefter projektmappen.")
    sub = p.add_subparsers(dest="command", title="kommandoer", metavar="KOMMANDO",
                           parser_class=_Parser)

    f = sub.add_parser("fetch", parents=[common], help="hent fra Statistikbanken til et nyt snapshot",
                       description="Hent regnskab, befolkning og prisindeks fra Statistikbanken "
                                   "til et nyt snapshot i data-mappen.")
    f.add_argument("--years", type=_years, default=(FIRST_YEAR, None), metavar="ÅR-ÅR",
                   help=f"årene, fx 2007-2024 eller 2025 (standard: {FIRST_YEAR} til det nyeste år, "
                        "tabellerne har)")
    f.add_argument("--tables", nargs="+", metavar="TABEL",
                   help="kun disse tabeller, fx REGK100 FOLK1A (standard: alle)")
    f.add_argument("--dry-run", action="store_true",
                   help="vis adressen og hver forespørgsel (URL og JSON), men send intet")
    f.add_argument("--tjek", action="store_true",
                   help="førstegangstjek: læs hver tabels tableinfo, lav ét lille datakald pr. tabel, "
                        "og skriv for hver antagelse 'bekræftet' eller 'afviger'; gemmer intet")

    i = sub.add_parser("import", parents=[common], help="læs manuelt hentede eksportfiler fra "
                       "Statistikbanken (regnskab, befolkning, prisindeks)",
                       description="Læs eksportfiler (CSV eller XLSX), som er hentet manuelt fra "
                                   "Statistikbanken, ind i et nyt snapshot. Det nye snapshot "
                                   "beholder det nyeste snapshots andre tabeller og de år af "
                                   "samme tabel, som filerne ikke har: et nyt år lægges til, et "
                                   "år, der findes i forvejen, erstattes.")
    i.add_argument("files", nargs="+", type=Path, metavar="FIL", help="eksportfilerne")
    i.add_argument("--table", default=None, type=str.upper, choices=IMPORT_TABLES, metavar="TABEL",
                   help="tabellen, alle filerne kommer fra (standard: genkendes af indholdet)")
    i.add_argument("--alone", action="store_true",
                   help="lav et snapshot af kun filerne, behold intet fra det nyeste snapshot")
    i.add_argument("--erstat", action="store_true",
                   help="erstat filernes tabeller helt (standard: filernes år lægges til, og et år, "
                        "der findes i forvejen, erstattes)")

    b = sub.add_parser("build", parents=[common], help="byg projektmappen fra et snapshot",
                       description="Byg projektmappen (.xlsx) fra et snapshot.")
    b.add_argument("--snapshot", type=Path, metavar="MAPPE",
                   help="snapshot-mappen (standard: den nyeste i data-mappen)")
    b.add_argument("--out", type=_xlsx, metavar="FIL.xlsx",
                   help="projektmappens filnavn; skal ende på .xlsx "
                        "(standard: workbooks/Indsatstrappens_Udgiftsmodel_<år>-<år>.xlsx)")
    b.add_argument("--uden-lambda", action="store_true",
                   help="udelad LAMBDA-navnene TRAPPE_* (kopien til xlwings-funktionerne)")
    b.add_argument("--sammenlign-med", metavar="SNAPSHOT", default=None,
                   help="vis ændringerne i forhold til dette snapshot (mappe eller navn; standard: "
                        "snapshottet bag den forrige projektmappe)")
    b.add_argument("--streng", action="store_true",
                   help="stop, hvis data har en funktion eller gruppering, som nøglen ikke kender "
                        "(standard: den lægges under 'ikke fordelt på trin' med en advarsel)")

    c = sub.add_parser("check", parents=[common], help="kontrollér en bygget projektmappe mod modellen",
                       description="Læs en bygget projektmappe og sammenlign den med modellen.")
    c.add_argument("workbook", type=Path, metavar="PROJEKTMAPPE", help="den byggede .xlsx-fil")
    c.add_argument("--snapshot", type=Path, metavar="MAPPE",
                   help="snapshot-mappen (standard: den nyeste i data-mappen)")
    return p


def cmd_fetch(args) -> int:
    from .sources.fetch import run_fetch
    from .sources.tjek import run_tjek
    if args.tjek:
        return run_tjek(out=print)
    run_fetch(args.data_dir, years=args.years, tables=args.tables, dry_run=args.dry_run, out=print)
    return 0


def cmd_import(args) -> int:
    from .sources.imports import run_import
    run_import(args.data_dir, args.files, table=args.table, out=print, alone=args.alone,
               replace=args.erstat)
    return 0


def cmd_build(args) -> int:
    from .pipeline import build
    build(args.data_dir, snapshot=args.snapshot, out=args.out, say=print,
          lambdas=not args.uden_lambda, strict=args.streng, compare_with=args.sammenlign_med)
    return 0


def cmd_check(args) -> int:
    from .pipeline import check
    return 0 if check(args.workbook, data_dir=args.data_dir, snapshot=args.snapshot, say=print) else 1


def cmd_default(args) -> int:
    """Bare ``python build.py``: fetch when Statistikbanken answers, then build. Never a worse
    result than offline: when the fetch fails for any reason, one Danish line says why and the
    workbook is built from the newest snapshot."""
    from .sources.fetch import network_available, run_fetch
    from .sources.statbank import base_url
    try:
        online = network_available()
        url = base_url()
    except TrappeError as e:
        online, url = False, f"({e})"
    if online:
        try:
            run_fetch(args.data_dir, years=(FIRST_YEAR, None), tables=None, dry_run=False, out=print)
        except (Exception, KeyboardInterrupt) as e:  # noqa: BLE001 – any failure: build offline
            if isinstance(e, KeyboardInterrupt):
                raise
            why = f"{type(e).__name__}: {e}" if not isinstance(e, TrappeError) else str(e)
            print(_one_line(f"Hentning fra Statistikbanken mislykkedes ({why}) – bygger på det "
                            f"nyeste snapshot i {args.data_dir}/."))
    else:
        print(f"Offline: Statistikbanken ({url}) svarer ikke – bygger på det nyeste snapshot i "
              f"{args.data_dir}/.")
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
