"""End-to-end: the views and reports over real HTTP."""
