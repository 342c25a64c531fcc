"""The desktop app's windows, item models and question widgets (PySide6).

Widgets are thin: they lay out, connect, forward the interviewer's intent to a service and
render what comes back. Routing, validation and storage are decided below this package.
"""
