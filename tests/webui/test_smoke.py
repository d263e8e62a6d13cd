"""The smallest end-to-end check on each backend: a diagnosis stored and read back through the API."""


def test_api_round_trip(client):
    created = client.post("/api/v1/consultations", json={"mode": "diagnosis", "symptoms": {"GC03": 1.0}})
    assert created.status_code == 201
    body = created.get_json()
    read = client.get(f"/api/v1/consultations/{body['id']}")
    assert read.status_code == 200
    assert read.get_json()["diagnosis"] == "PC01"
