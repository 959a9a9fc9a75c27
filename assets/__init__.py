"""Data that ships with Reverie: installed as the package `app.assets` (pyproject.toml maps
this folder there). The file makes it a regular package, which an editable install can find
under its mapped name; nothing imports it as code."""
