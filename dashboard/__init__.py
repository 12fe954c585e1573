"""eventmap's views: the Dash dashboard (``dashboard.app``) and the static HTML export (``dashboard.export``)."""
