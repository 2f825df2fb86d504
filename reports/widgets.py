from recommendations.widgets import FastSelect, FastWidgets

__all__ = ["FastSelect", "FastWidgets"]  # the filter forms' select, shared with the import form
