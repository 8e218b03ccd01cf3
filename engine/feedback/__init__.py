"""Confirmations as labelled examples (issue #17): what the user said of a result, stored in
the catalog, exported and imported as the ``sagasu eval`` CSV, evaluated against.

Import the modules themselves (engine.feedback.examples for the typed values)."""
