"""Sagasu desktop application: a thin PySide6 shell (views, models, dialogs) over ``engine``.

Widgets are only touched on the GUI thread; every engine call that can take time goes through
``desktop.workers`` so the event loop never stalls.
"""
