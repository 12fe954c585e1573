"""The one exception tree of eventmap.

Every error raised on purpose by ``geodata`` or ``dashboard`` derives from :class:`GeodataError`;
leaves also inherit the matching built-in exception so callers that do not know eventmap can
still catch them (``except ValueError`` catches a bad query)::

    GeodataError
     ├── ConfigurationError (ValueError)     a setting is wrong; the message says how to fix it
     ├── InvalidQueryError (ValueError)      a geocoding query or filter cannot be used
     ├── ArticleError                        one input file cannot be read (the batch goes on)
     │    ├── UnreadableArticleError (OSError)
     │    ├── EmptyArticleError (ValueError)
     │    ├── BinaryArticleError (ValueError)
     │    └── ArticleTooLargeError (ValueError)
     ├── GazetteerError
     │    └── GazetteerNotBuiltError (FileNotFoundError)
     ├── GeocodingError
     │    └── GeocoderUnavailableError (OSError)
     ├── ModelNotInstalledError (ImportError)
     └── StorageError (OSError)

Foreign errors (geopy, pyarrow, OS errors) are translated once, at the module that talks to the
foreign library, with ``raise ... from err``. File names in messages are quoted with
:func:`quote_path`, so a name holding a newline or a quote still gives one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ArticleError",
    "ArticleTooLargeError",
    "BinaryArticleError",
    "ConfigurationError",
    "EmptyArticleError",
    "GazetteerError",
    "GazetteerNotBuiltError",
    "GeocoderUnavailableError",
    "GeocodingError",
    "GeodataError",
    "InvalidQueryError",
    "ModelNotInstalledError",
    "StorageError",
    "UnreadableArticleError",
    "quote_path",
]


def quote_path(path: str | Path) -> str:
    r"""A file name for an error line: quoted, with newlines and other control characters escaped.

    Like ``ls`` and ``cp`` do, names are always quoted, so where the name ends is never in doubt;
    undecodable bytes (a name that is not UTF-8) are escaped rather than crashing the print.

    >>> print(quote_path("notes.md"), quote_path("two" + chr(10) + "lines.txt"))
    'notes.md' 'two\nlines.txt'
    """
    return repr(str(path))


class GeodataError(Exception):
    """Root of every error eventmap raises on purpose."""


class ConfigurationError(GeodataError, ValueError):
    """A setting or argument is invalid; the message names the setting and the fix."""


class InvalidQueryError(GeodataError, ValueError):
    """A query (place name, country code, filter) cannot be used as given."""


class ArticleError(GeodataError):
    """One input article cannot be used. ``path`` names the file.

    Batch commands report these as one line per file and go on with the rest.
    """

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{quote_path(self.path)}: {message}" if self.path else message)


class UnreadableArticleError(ArticleError, OSError):
    """The file does not exist, is not a regular file or cannot be opened."""


class EmptyArticleError(ArticleError, ValueError):
    """The file holds no text once markup and whitespace are removed."""


class BinaryArticleError(ArticleError, ValueError):
    """The file is binary (an image, a PDF, an archive), not text or HTML."""


class ArticleTooLargeError(ArticleError, ValueError):
    """The file is larger than the ``max_article_bytes`` setting."""


class GazetteerError(GeodataError):
    """The embedded gazetteer is missing, corrupt or from an incompatible build."""


class GazetteerNotBuiltError(GazetteerError, FileNotFoundError):
    """The gazetteer artefact has not been built yet (run ``eventmap gazetteer build``)."""


class GeocodingError(GeodataError):
    """A geocoder failed for a reason other than "no such place"."""


class GeocoderUnavailableError(GeocodingError, OSError):
    """A remote geocoder could not be reached or refused the request."""


class ModelNotInstalledError(GeodataError, ImportError):
    """No usable spaCy English model is installed."""


class StorageError(GeodataError, OSError):
    """The event store cannot be read or written."""
