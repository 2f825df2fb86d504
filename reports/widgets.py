from recommendations.widgets import FastSelect

__all__ = ["FastSelect"]  # the filter forms' select, shared with the import form
