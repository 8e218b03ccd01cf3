"""Engineering-document signals: OCR, part numbers, Japanese tokenisation and query expansion,
exact visual match. Pure modules with small interfaces; the index/search pipeline wires them."""
