"""arrkestra: one daemon that keeps Sonarr, Radarr, Overseerr/Jellyseerr and Plex in step."""

# The one place the version is written (pyproject.toml reads it from here): importing
# importlib.metadata to look it up cost every command about 0.1 s at start-up.
__version__ = "0.1.0"

__all__ = ["__version__"]
