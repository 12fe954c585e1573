"""Geocoding: place names → places with geopy's contract, and places → GeoDataFrames.

- :mod:`geodata.geocoding.gazetteer` — :class:`Gazetteer`, the offline gazetteer as a geopy geocoder;
- :mod:`geodata.geocoding.online` — opt-in online backends (Nominatim, Photon), cached and guarded;
- :mod:`geodata.geocoding.frames` — names and places → GeoDataFrames (EPSG:4326).

Submodules are imported on use so that the gazetteer's first answer stays fast.
"""
