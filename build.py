#!/usr/bin/env python3
"""Indsatstrappens Udgiftsmodel — build entry point. ``python build.py --help`` for the commands."""

import sys

from trappe_xl.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
