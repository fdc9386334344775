"""One router per resource; `api/http/app.py` lists every one of them."""
