"""arrkestra: one daemon that keeps Sonarr, Radarr, Overseerr/Jellyseerr and Plex in step."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("arrkestra")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
