"""The HTTP baseline: an empty FastAPI endpoint taking the same pydantic body as POST /v1/needs."""

from fastapi import FastAPI

from api.http.schemas.needs import NeedCreate

app = FastAPI()


@app.post("/v1/needs", status_code=201)
def accept(body: NeedCreate) -> dict:
    return {"position": 0, "state": body.state}
