"""HTTP: the FastAPI app, its middleware, problems, access policy, idempotency, schemas and routes."""
