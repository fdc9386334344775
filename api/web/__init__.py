"""The browser: the coordination dashboard, its charts, the pages of needs and programmes."""
