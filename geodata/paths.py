"""Where eventmap keeps the files it builds on first use (the gazetteer and the offline basemap).

In a source checkout (``make install`` is an editable install) they live in the tree, in
``geodata/gazetteer/data/``, where ``make data`` builds them. An installed package (``pip install``,
``pipx install``) never writes into site-packages: it builds them once into a per-user data folder
chosen by platformdirs, one folder per eventmap version (``~/.local/share/eventmap/0.1.0`` on Linux,
``~/Library/Application Support/eventmap/0.1.0`` on macOS, ``%LOCALAPPDATA%/eventmap/0.1.0`` on
Windows; ``$XDG_DATA_HOME`` is honoured). A gazetteer shipped inside the package wins over both.

>>> from geodata.paths import default_gazetteer_path
>>> default_gazetteer_path().name
'gazetteer.sqlite'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_gazetteer_path", "is_source_checkout", "user_data_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE_DATA_DIR = _PACKAGE_DIR / "gazetteer" / "data"
_GAZETTEER_NAME = "gazetteer.sqlite"


def is_source_checkout() -> bool:
    """True when ``geodata`` is imported from a clone of the repository rather than an installed copy.

    Examples
    --------
    >>> isinstance(is_source_checkout(), bool)
    True
    """
    root = _PACKAGE_DIR.parent
    return (root / "pyproject.toml").is_file() and (root / "Makefile").is_file()


def user_data_dir() -> Path:
    """The per-user, per-version folder an installed eventmap builds its data into (not created here).

    Examples
    --------
    >>> user_data_dir().name == __import__("geodata").__version__
    True
    """
    from platformdirs import user_data_path

    from geodata import __version__

    return user_data_path("eventmap", appauthor=False, version=__version__)


def default_gazetteer_path() -> Path:
    """Where the gazetteer is read, and built when missing, unless ``gazetteer_path`` says otherwise.

    The package's own copy when there is one (shipped, or built by ``make data`` in a checkout) or
    when running from a checkout; else the file in :func:`user_data_dir`.

    Examples
    --------
    >>> default_gazetteer_path().name
    'gazetteer.sqlite'
    """
    in_package = _PACKAGE_DATA_DIR / _GAZETTEER_NAME
    if in_package.is_file() or is_source_checkout():
        return in_package
    return user_data_dir() / _GAZETTEER_NAME
