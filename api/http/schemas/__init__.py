"""Request and answer schemas, one module per resource: `...Create` in, `...Public` out."""
