async def test_readyz_on_migrated_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
