"""trappe-xl: an open rebuild of Indsatstrappens Udgiftsmodel."""

__version__ = "0.1.0"
