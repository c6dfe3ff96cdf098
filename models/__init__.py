"""The model manifest's folder, and the maker's model tools (`models.convert`).

Nothing here runs on the vest: the image carries only ``manifest.toml`` and ``README.md``.
"""
