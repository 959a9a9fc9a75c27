"""Small widgets, each carrying its own look in DEFAULT_CSS."""
