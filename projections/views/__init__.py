"""One module per view: a pure function from derived rows to the view's answer (DESIGN §5)."""
