"""`uvicorn api.http.asgi:app`: the app built from the environment's settings."""

from api.http.app import create_app

app = create_app()
