"""The screens, each beside its stylesheet."""
