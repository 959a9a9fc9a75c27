"""The Textual app: screens beside their .tcss, small single-purpose widgets."""
